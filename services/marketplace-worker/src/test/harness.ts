import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { eq } from 'drizzle-orm';
import { decryptJson } from '@autoposter/crypto';
import { schema, type Channel } from '@autoposter/db';
import { findDeliveryWithAttempts, listDeliveryLogs } from '@autoposter/db/repositories/delivery-reads';
import { findDeliveryForJob, type DeliveryRow } from '@autoposter/db/repositories/delivery-runs';
import { startFakeFacebook, type FakeAccount, type FakeFacebook, type FakeLocale } from '@autoposter/fake-facebook';
import { createFacebookBrowserPublisher, testBrowserSettings, type BrowserSettings, type FacebookBrowserPublisher } from '@autoposter/facebook-browser';
import { createLogger } from '@autoposter/logger';
import { mediaFilePath } from '@autoposter/media';
import { samplePng } from '@autoposter/media/test-samples';
import { createRedisConnection, publishQueueOptions, readEvents, type JobPayloads } from '@autoposter/queue';
import {
  createTestDatabase,
  createTestRedis,
  enqueueDelivery,
  eventually,
  insertAccount,
  insertMedia,
  insertPost,
  insertPostingJob,
  insertUser,
  testKeyring,
  testWorkerConfig,
  type TestDatabase,
  type TestRedis,
} from '@autoposter/testing';
import { createPublishWorker, type PublishWorker, type PublishWorkerConfig } from '@autoposter/worker-runtime';

export interface SeededAccount {
  userId: string;
  account: typeof schema.accounts.$inferSelect;
  fakeAccount: FakeAccount;
}

/** One database, Redis prefix, fake Facebook and browser per test file; workers per test. */
export class MarketplaceHarness {
  readonly keyring = testKeyring();
  readonly mediaDir = mkdtempSync(join(tmpdir(), 'marketplace-media-'));
  readonly queue: Queue<JobPayloads['publish-delivery']>;
  private readonly workers: { worker: PublishWorker; connection: Redis }[] = [];

  private constructor(
    readonly db: TestDatabase,
    readonly redis: TestRedis,
    readonly fake: FakeFacebook,
    readonly settings: BrowserSettings,
    readonly publisher: FacebookBrowserPublisher,
  ) {
    this.queue = new Queue('marketplace', { ...publishQueueOptions, connection: redis.client, prefix: redis.prefix });
  }

  static async create(settings: Partial<BrowserSettings> = {}): Promise<MarketplaceHarness> {
    const [db, redis, fake] = await Promise.all([createTestDatabase(), createTestRedis(), startFakeFacebook()]);
    const browserSettings = testBrowserSettings({ baseUrl: fake.url, ...settings });
    return new MarketplaceHarness(db, redis, fake, browserSettings, createFacebookBrowserPublisher(browserSettings));
  }

  workerConfig(overrides: Partial<PublishWorkerConfig> = {}): PublishWorkerConfig {
    const base = testWorkerConfig();
    return testWorkerConfig({ publishTimeoutMs: 120_000, media: { ...base.media, dir: this.mediaDir }, ...overrides });
  }

  async startWorker(options: { config?: Partial<PublishWorkerConfig>; workerId?: string } = {}) {
    const connection = createRedisConnection(this.redis.url, 'worker');
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const started = createPublishWorker({
      queueName: 'marketplace',
      publisher: this.publisher,
      db: this.db.db,
      connection,
      prefix: this.redis.prefix,
      config: this.workerConfig(options.config),
      keyring: this.keyring,
      logger: createLogger({ service: 'marketplace-test', level: 'debug', destination: sink }),
      workerId: options.workerId ?? `marketplace-${this.workers.length + 1}`,
    });
    this.workers.push({ worker: started, connection });
    await started.worker.waitUntilReady();
    return { ...started, logs };
  }

  /** A user and a browser account whose credentials are the cookies an extension exported from the fake. */
  async seedAccount(locale: FakeLocale = 'en_US', userId?: string): Promise<SeededAccount> {
    const user = userId ?? (await insertUser(this.db.db)).id;
    const fakeAccount = this.fake.state.addAccount({ locale, name: `Seller ${randomBytes(2).toString('hex')}` });
    const account = await insertAccount(this.db.db, this.keyring, user, 'facebook_browser', {
      credentials: { cookies: this.fake.exportCookies(fakeAccount) },
    });
    return { userId: user, account, fakeAccount };
  }

  private async photo(userId: string) {
    const storageKey = `${userId}/${randomBytes(8).toString('hex')}.png`;
    const path = mediaFilePath(this.mediaDir, storageKey);
    await mkdir(dirname(path), { recursive: true });
    writeFileSync(path, samplePng(60, 40));
    return insertMedia(this.db.db, userId, { storageKey, width: 60, height: 40 });
  }

  /** A queued post with one delivery (a listing, or a group post with `groupId`), its posting job, and its BullMQ job. */
  async queuePost(
    seeded: SeededAccount,
    content: { title?: string; body?: string; groupId?: string; photos?: number },
  ): Promise<DeliveryRow> {
    const channel: Channel = content.groupId ? 'facebook_group' : 'marketplace';
    const media = await Promise.all(Array.from({ length: content.photos ?? 1 }, () => this.photo(seeded.userId)));
    const { deliveries } = await insertPost(
      this.db.db,
      seeded.userId,
      [{ channel, accountId: seeded.account.id, targetId: content.groupId ?? null, status: 'queued', dueAt: new Date() }],
      {
        title: content.title ?? null,
        body: content.body ?? 'Solid oak, pick up only',
        price: channel === 'marketplace' ? '50' : null,
        category: channel === 'marketplace' ? 'Furniture' : null,
        condition: channel === 'marketplace' ? 'Used - good' : null,
        location: channel === 'marketplace' ? 'Austin, Texas' : null,
        mediaIds: media.map((m) => m.id),
      },
    );
    const delivery = deliveries[0]!;
    const job = await insertPostingJob(this.db.db, seeded.userId, [delivery]);
    await enqueueDelivery(this.queue, delivery, { maxAttempts: this.workerConfig().retry.maxAttempts });
    return { ...delivery, postingJobId: job.id };
  }

  async delivery(id: string): Promise<DeliveryRow> {
    return (await findDeliveryForJob(this.db.db, id))!;
  }

  async waitForStatus(id: string, statuses: string | string[], timeoutMs = 150_000): Promise<DeliveryRow> {
    const wanted = ([] as string[]).concat(statuses);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.delivery(id);
      if (wanted.includes(row.status)) return row;
      if (Date.now() > deadline) throw new Error(`delivery ${id} is ${row.status}, expected ${wanted.join('|')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Polls `probe` until it returns something truthy. */
  until<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 150_000): Promise<NonNullable<T>> {
    return eventually(what, probe, timeoutMs, 100);
  }

  async attempts(delivery: { id: string; userId: string }) {
    return (await findDeliveryWithAttempts(this.db.db, delivery.userId, delivery.id))!.attempts;
  }

  async logs(delivery: { id: string; userId: string }) {
    return (await listDeliveryLogs(this.db.db, delivery.userId, delivery.id))!;
  }

  async account(id: string) {
    const [row] = await this.db.db.select().from(schema.accounts).where(eq(schema.accounts.id, id));
    return row!;
  }

  credentialsOf(account: { credentialsEncrypted: string }) {
    return decryptJson<Record<string, unknown>>(this.keyring, account.credentialsEncrypted);
  }

  async artifact(id: string) {
    const [row] = await this.db.db.select().from(schema.artifacts).where(eq(schema.artifacts.id, id));
    return row!;
  }

  async events(userId: string) {
    const all = await readEvents(this.redis.client, this.redis.prefix, { afterId: '0', count: 10_000 });
    return all.filter((event) => event.user_id === userId);
  }

  async closeWorkers() {
    await Promise.all(
      this.workers.splice(0).map(async ({ worker, connection }) => {
        await worker.close();
        connection.disconnect();
      }),
    );
  }

  async close() {
    await this.closeWorkers();
    await this.queue.close();
    await this.publisher.close();
    await this.fake.close();
    await this.redis.destroy();
    await this.db.destroy();
  }
}
