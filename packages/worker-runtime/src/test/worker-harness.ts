import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keyring } from '@autoposter/crypto';
import { schema, type AccountKind, type Channel } from '@autoposter/db';
import { findDeliveryWithAttempts, listDeliveryLogs } from '@autoposter/db/repositories/delivery-reads';
import { findDeliveryForJob, type DeliveryRow } from '@autoposter/db/repositories/delivery-runs';
import { createLogger } from '@autoposter/logger';
import type { Publisher } from '@autoposter/publisher';
import { createRedisConnection, deliveryJobId, publishQueueOptions, queueForChannel, readEvents, type JobPayloads, type PublishQueueName, type StoredEvent } from '@autoposter/queue';
import {
  createTestDatabase,
  createTestPublisher,
  createTestRedis,
  enqueueDelivery,
  insertAccount,
  insertPost,
  insertPostingJob,
  insertUser,
  startFakeProvider,
  testKeyring,
  testWorkerConfig,
  type FakeProvider,
  type TestDatabase,
  type TestRedis,
} from '@autoposter/testing';
import { createPublishWorker, type PublishWorker } from '../publish-worker.ts';
import type { PublishWorkerConfig } from '../runtime.ts';

export interface SeedOptions {
  channel?: Channel;
  kind?: AccountKind;
  /** An account to reuse (pacing tests put several deliveries on one). */
  account?: typeof schema.accounts.$inferSelect;
  accountOverrides?: Partial<typeof schema.accounts.$inferInsert>;
  dueAt?: Date;
  /** Open a posting job over the delivery (default true). */
  withJob?: boolean;
}

export interface Seeded {
  userId: string;
  account: typeof schema.accounts.$inferSelect;
  delivery: DeliveryRow;
  jobId: string | null;
}

export interface StartedWorker extends PublishWorker {
  logs: string[];
}

/** One fake provider, database and Redis prefix per test file; workers and deliveries per test. */
export class WorkerHarness {
  readonly keyring: Keyring = testKeyring();
  private readonly workers: { worker: PublishWorker; connection: Redis }[] = [];
  private readonly queues = new Map<PublishQueueName, Queue<JobPayloads['publish-delivery']>>();

  private constructor(
    readonly db: TestDatabase,
    readonly redis: TestRedis,
    readonly provider: FakeProvider,
  ) {}

  static async create(): Promise<WorkerHarness> {
    const [db, redis, provider] = await Promise.all([createTestDatabase(), createTestRedis(), startFakeProvider()]);
    return new WorkerHarness(db, redis, provider);
  }

  config(overrides: Partial<PublishWorkerConfig> = {}): PublishWorkerConfig {
    return testWorkerConfig(overrides);
  }

  async startWorker(
    options: { queueName?: PublishQueueName; config?: Partial<PublishWorkerConfig>; publisher?: Publisher; workerId?: string } = {},
  ): Promise<StartedWorker> {
    const connection = createRedisConnection(this.redis.url, 'worker');
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const started = createPublishWorker({
      queueName: options.queueName ?? 'meta',
      publisher: options.publisher ?? createTestPublisher({ providerUrl: this.provider.url }),
      db: this.db.db,
      connection,
      prefix: this.redis.prefix,
      config: this.config(options.config),
      keyring: this.keyring,
      logger: createLogger({ service: 'test-worker', level: 'debug', destination: sink }),
      workerId: options.workerId ?? `test-worker-${this.workers.length + 1}`,
    });
    this.workers.push({ worker: started, connection });
    await started.worker.waitUntilReady();
    return { ...started, logs };
  }

  queue(name: PublishQueueName): Queue<JobPayloads['publish-delivery']> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { ...publishQueueOptions, connection: this.redis.client, prefix: this.redis.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** A user, an account (unless given), a queued post with one delivery, and its posting job. */
  async seed(options: SeedOptions = {}): Promise<Seeded> {
    const channel = options.channel ?? 'facebook_page';
    const account =
      options.account ??
      (await insertAccount(this.db.db, this.keyring, (await insertUser(this.db.db)).id, options.kind ?? 'facebook_page', options.accountOverrides));
    const { deliveries } = await insertPost(this.db.db, account.userId, [
      { channel, accountId: account.id, status: 'queued', dueAt: options.dueAt ?? new Date() },
    ]);
    const delivery = deliveries[0]!;
    if (options.withJob === false) return { userId: account.userId, account, delivery, jobId: null };
    const job = await insertPostingJob(this.db.db, account.userId, [delivery]);
    return { userId: account.userId, account, delivery: { ...delivery, postingJobId: job.id }, jobId: job.id };
  }

  async enqueue(delivery: DeliveryRow, maxAttempts = this.config().retry.maxAttempts) {
    return enqueueDelivery(this.queue(queueForChannel[delivery.channel as Channel]), delivery, { maxAttempts });
  }

  async delivery(id: string): Promise<DeliveryRow> {
    return (await findDeliveryForJob(this.db.db, id))!;
  }

  async attempts(delivery: { id: string; userId: string }) {
    return (await findDeliveryWithAttempts(this.db.db, delivery.userId, delivery.id))!.attempts;
  }

  async logs(delivery: { id: string; userId: string }) {
    return (await listDeliveryLogs(this.db.db, delivery.userId, delivery.id))!;
  }

  /** Polls until the delivery reaches one of `statuses`. */
  async waitForStatus(id: string, statuses: string | string[], timeoutMs = 10_000): Promise<DeliveryRow> {
    const wanted = ([] as string[]).concat(statuses);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.delivery(id);
      if (wanted.includes(row.status)) return row;
      if (Date.now() > deadline) throw new Error(`delivery ${id} is ${row.status}, expected ${wanted.join('|')}`);
      await sleep(25);
    }
  }

  /** Polls until the delivery's job (its current run) is in `state`. */
  async waitForJobState(delivery: DeliveryRow, state: string, timeoutMs = 10_000) {
    const queue = this.queue(queueForChannel[delivery.channel as Channel]);
    const jobId = deliveryJobId(delivery.id, delivery.run);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await queue.getJobState(jobId);
      if (current === state) return (await queue.getJob(jobId))!;
      if (Date.now() > deadline) throw new Error(`job ${jobId} is ${current}, expected ${state}`);
      await sleep(25);
    }
  }

  /** Every event on the stream that concerns the user, oldest first. */
  async events(userId: string): Promise<StoredEvent[]> {
    const all = await readEvents(this.redis.client, this.redis.prefix, { afterId: '0', count: 10_000 });
    return all.filter((event) => event.user_id === userId);
  }

  async closeWorkers() {
    await Promise.all(this.workers.splice(0).map(async ({ worker, connection }) => {
      await worker.close();
      connection.disconnect();
    }));
  }

  async close() {
    await this.closeWorkers();
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await this.provider.close();
    await this.redis.destroy();
    await this.db.destroy();
  }
}

/**
 * The usual set-up of a worker test file: one harness, created before its tests (handed to
 * `use`), its workers closed after each test and everything closed after the last.
 */
export function withWorkerHarness(use: (harness: WorkerHarness) => void): void {
  let harness: WorkerHarness | undefined;
  beforeAll(async () => {
    harness = await WorkerHarness.create();
    use(harness);
  });
  afterEach(() => harness?.closeWorkers());
  afterAll(() => harness?.close());
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
