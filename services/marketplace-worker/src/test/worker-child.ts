/**
 * A marketplace worker in a process of its own (real Chromium), so a test can SIGKILL it
 * mid-publish. Configured by environment; prints "ready" once it takes jobs.
 */
import { parseKeyring } from '@autoposter/config';
import { createDatabase } from '@autoposter/db';
import { createFacebookBrowserPublisher, testBrowserSettings } from '@autoposter/facebook-browser';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection } from '@autoposter/queue';
import { testWorkerConfig } from '@autoposter/testing';
import { createPublishWorker } from '@autoposter/worker-runtime';

const env = process.env as Record<string, string>;
const logger = createLogger({ service: 'marketplace-child', level: env.LOG_LEVEL ?? 'warn', destination: process.stderr });
const database = createDatabase({ url: env.DATABASE_URL!, poolMax: 4, applicationName: 'marketplace-child' });
const connection = createRedisConnection(env.REDIS_URL!, 'worker');
const base = testWorkerConfig();
const { worker } = createPublishWorker({
  queueName: 'marketplace',
  publisher: createFacebookBrowserPublisher(testBrowserSettings({ baseUrl: env.FACEBOOK_BASE_URL! })),
  db: database.db,
  connection,
  prefix: env.QUEUE_PREFIX!,
  config: testWorkerConfig({
    concurrency: 1,
    lockDurationMs: Number(env.LOCK_DURATION_MS),
    stalledIntervalMs: Number(env.STALLED_INTERVAL_MS),
    publishTimeoutMs: 60_000,
    media: { ...base.media, dir: env.MEDIA_DIR! },
  }),
  keyring: { keys: parseKeyring(env.SECRETS_KEYS!) },
  logger,
  workerId: env.WORKER_ID!,
});
await worker.waitUntilReady();
process.stdout.write('ready\n');
