/**
 * A publish worker in a process of its own, so a test can SIGKILL it mid-publish.
 * Run with tsx; configured by environment (see `WorkerProcessEnv`). Prints "ready" when
 * it takes jobs; SIGTERM closes it gracefully.
 */
import { parseKeyring } from '@autoposter/config';
import { createDatabase } from '@autoposter/db';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection, type PublishQueueName } from '@autoposter/queue';
import { createPublishWorker } from '@autoposter/worker-runtime';
import { createTestPublisher } from './test-publisher.ts';
import { testWorkerConfig } from './worker-config.ts';

const env = process.env as Record<string, string>;
const logger = createLogger({ service: 'test-worker', level: env.LOG_LEVEL ?? 'warn', destination: process.stderr });
const database = createDatabase({ url: env.DATABASE_URL!, poolMax: 4, applicationName: 'test-worker' });
const connection = createRedisConnection(env.REDIS_URL!, 'worker');
const { worker, close } = createPublishWorker({
  queueName: env.QUEUE_NAME as PublishQueueName,
  publisher: createTestPublisher({ providerUrl: env.PROVIDER_URL! }),
  db: database.db,
  connection,
  prefix: env.QUEUE_PREFIX!,
  config: testWorkerConfig({
    lockDurationMs: Number(env.LOCK_DURATION_MS ?? 2_000),
    stalledIntervalMs: Number(env.STALLED_INTERVAL_MS ?? 1_000),
    concurrency: 1,
  }),
  keyring: { keys: parseKeyring(env.SECRETS_KEYS!) },
  logger,
  workerId: env.WORKER_ID ?? `child-${process.pid}`,
});

process.once('SIGTERM', () => {
  void close()
    .then(() => database.close())
    .finally(() => {
      connection.disconnect();
      process.exit(0);
    });
});

await worker.waitUntilReady();
process.stdout.write('ready\n');
