import { Redis } from 'ioredis';
import { createLogger } from '@autoposter/logger';
import { startFakeProvider, createTestPublisher, testWorkerConfig, type FakeProvider } from '@autoposter/testing';
import { createPublishWorker, type PublishWorker, type PublishWorkerConfig } from '@autoposter/worker-runtime';
import type { TestApi } from './test-app.ts';

export interface RunningWorkers {
  provider: FakeProvider;
  workers: PublishWorker[];
  close(): Promise<void>;
}

/** Real publish workers on both queues of a test gateway, publishing to a fake provider over HTTP. */
export async function startWorkers(api: TestApi, overrides: Partial<PublishWorkerConfig> = {}): Promise<RunningWorkers> {
  const provider = await startFakeProvider();
  const connection = new Redis(api.redis.url, { maxRetriesPerRequest: null });
  const publisher = createTestPublisher({ providerUrl: provider.url });
  const logger = createLogger({ service: 'worker', level: 'silent' });
  const workers = (['meta', 'marketplace'] as const).map((queueName) =>
    createPublishWorker({
      queueName,
      publisher,
      db: api.db.db,
      connection,
      prefix: api.config.redis.prefix,
      config: testWorkerConfig({ retry: { maxAttempts: api.config.retry.maxAttempts, delaysMs: [50] }, ...overrides }),
      keyring: api.config.secrets,
      logger,
      workerId: `test-${queueName}`,
    }),
  );
  return {
    provider,
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      connection.disconnect();
      await provider.close();
    },
  };
}

export { eventually } from '@autoposter/testing';
