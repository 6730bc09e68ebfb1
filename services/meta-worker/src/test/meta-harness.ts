import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import { formatKeyring, parseConfig } from '@autoposter/config';
import { schema } from '@autoposter/db';
import { accountHealthStatus } from '@autoposter/db/repositories/account-health-status';
import { findAccount } from '@autoposter/db/repositories/accounts';
import { findDeliveryWithAttempts, listDeliveryLogs } from '@autoposter/db/repositories/delivery-reads';
import { findDeliveryForJob, type DeliveryRow } from '@autoposter/db/repositories/delivery-runs';
import { startFakeGraph, type StartedFakeGraph } from '@autoposter/fake-graph';
import { createLogger } from '@autoposter/logger';
import type { MetaPublisherOptions } from '@autoposter/meta-publisher';
import { deliveryJobId, publishQueueOptions, type JobPayloads } from '@autoposter/queue';
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
  type TestDatabase,
  type TestRedis,
} from '@autoposter/testing';
import type { RunningWorkerService } from '@autoposter/worker-runtime';
import { metaWorkerConfigSections } from '../config.ts';
import { startMetaWorker } from '../meta-worker.ts';

export interface MediaFile {
  mime: string;
  body: Buffer;
  width?: number;
  height?: number;
  altText?: string;
  /** The JPEG rendition the gateway made (served for `?rendition=jpeg`). */
  jpeg?: Buffer;
  /** The next this many fetches answer 404 (Meta then fails the container with 2207052). */
  failFetches?: number;
}

export interface RunningMetaWorker extends RunningWorkerService {
  logs: string[];
}

/** Serves `/public/media/:id` like the gateway's signed URLs (the signature is the gateway's business, not tested here). */
async function startPublicMedia(files: Map<string, MediaFile>): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ forceCloseConnections: true });
  app.get('/public/media/:id', async (request, reply) => {
    const file = files.get((request.params as { id: string }).id);
    if (!file) return reply.code(404).send({ error: 'not found' });
    if (file.failFetches) {
      file.failFetches -= 1;
      return reply.code(404).send({ error: 'not found' });
    }
    const wantsJpeg = (request.query as { rendition?: string }).rendition === 'jpeg' && file.jpeg;
    return wantsJpeg ? reply.type('image/jpeg').send(file.jpeg) : reply.type(file.mime).send(file.body);
  });
  return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** The real worker service (startWorkerService + the Meta publisher) against the fake Graph API over HTTP. */
export class MetaHarness {
  readonly keyring = testKeyring();
  readonly files = new Map<string, MediaFile>();
  private readonly services: RunningMetaWorker[] = [];
  private queue: Queue<JobPayloads['publish-delivery']> | null = null;
  private media: { app: FastifyInstance; url: string } | null = null;

  private constructor(
    readonly db: TestDatabase,
    readonly redis: TestRedis,
    readonly graph: StartedFakeGraph,
  ) {}

  static async create(): Promise<MetaHarness> {
    const [db, redis, graph] = await Promise.all([createTestDatabase(), createTestRedis(), startFakeGraph({ settings: { containerDelayMs: 40 } })]);
    const harness = new MetaHarness(db, redis, graph);
    harness.media = await startPublicMedia(harness.files);
    return harness;
  }

  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.db.url,
      REDIS_URL: this.redis.url,
      QUEUE_PREFIX: this.redis.prefix,
      SECRETS_KEYS: formatKeyring(this.keyring.keys),
      MEDIA_URL_SECRET: randomBytes(16).toString('hex'),
      PUBLIC_BASE_URL: this.media!.url,
      RETRY_DELAYS: '50ms',
      RETRY_MAX_ATTEMPTS: '4',
      DEFAULT_MIN_GAP_SECONDS: '0',
      DEFAULT_DAILY_CAP: '1000',
      JOB_LOCK_DURATION: '3s',
      STALLED_CHECK_INTERVAL: '1s',
      PUBLISH_TIMEOUT: '30s',
      WORKER_CONCURRENCY: '2',
      PORT: '0',
      LOG_LEVEL: 'debug',
      GRAPH_API_BASE_URL: this.graph.url,
      INSTAGRAM_GRAPH_BASE_URL: this.graph.instagramUrl,
      GRAPH_API_TIMEOUT: '10s',
      ...overrides,
    };
  }

  async startWorker(options: { env?: Record<string, string>; publisher?: Partial<MetaPublisherOptions> } = {}): Promise<RunningMetaWorker> {
    const config = parseConfig(metaWorkerConfigSections, this.env(options.env));
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const service = await startMetaWorker(config, {
      logger: createLogger({ service: 'meta-worker', level: 'debug', destination: sink }),
      publisher: { polling: { intervalMs: 25, timeoutMs: 5_000 }, ...options.publisher },
    });
    await service.worker.worker.waitUntilReady();
    const running = { ...service, logs };
    this.services.push(running);
    return running;
  }

  /** A media row of a new upload, served at its public URL. */
  async addMedia(userId: string, file: MediaFile) {
    const row = await insertMedia(this.db.db, userId, {
      mime: file.mime,
      sizeBytes: file.body.length,
      width: file.width ?? null,
      height: file.height ?? null,
      altText: file.altText ?? null,
      jpegRendition: file.jpeg ? { storage_key: 'rendition.jpg', size_bytes: file.jpeg.length, width: file.width ?? 0, height: file.height ?? 0 } : null,
    });
    this.files.set(row.id, file);
    return row;
  }

  async pageAccount(page = this.graph.newPage(), userId?: string) {
    const owner = userId ?? (await insertUser(this.db.db)).id;
    const account = await insertAccount(this.db.db, this.keyring, owner, 'facebook_page', { credentials: { page_id: page.pageId, access_token: page.pageToken } });
    return { account, page, userId: owner };
  }

  async instagramAccount(login: 'facebook' | 'instagram' = 'facebook') {
    const userId = (await insertUser(this.db.db)).id;
    if (login === 'instagram') {
      const ig = this.graph.newInstagramLogin();
      const account = await insertAccount(this.db.db, this.keyring, userId, 'instagram_business', { credentials: { ig_user_id: ig.igUserId, access_token: ig.token, login } });
      return { account, igUserId: ig.igUserId, token: ig.token, userId };
    }
    const page = this.graph.newPage({ instagram: true });
    const account = await insertAccount(this.db.db, this.keyring, userId, 'instagram_business', { credentials: { ig_user_id: page.igUserId!, access_token: page.pageToken } });
    return { account, igUserId: page.igUserId!, token: page.pageToken, userId };
  }

  /**
   * A queued post with one delivery on the account, in a posting job, and its job in the queue.
   * With `earlierAttempt`, the delivery is a retry: its first attempt failed (outcome known) at
   * `startedAt`, having saved `providerState`.
   */
  async deliver(
    account: typeof schema.accounts.$inferSelect,
    channel: 'facebook_page' | 'instagram',
    post: { body: string; link?: string; mediaIds?: string[]; videoMediaId?: string; title?: string },
    options: { earlierAttempt?: { startedAt: Date; providerState: Record<string, unknown> } } = {},
  ): Promise<DeliveryRow> {
    const { deliveries } = await insertPost(this.db.db, account.userId, [{ channel, accountId: account.id, status: 'queued', dueAt: new Date() }], {
      body: post.body,
      title: post.title ?? null,
      link: post.link ?? null,
      mediaIds: post.mediaIds ?? [],
      videoMediaId: post.videoMediaId ?? null,
    });
    const delivery = deliveries[0]!;
    await insertPostingJob(this.db.db, account.userId, [delivery]);
    if (options.earlierAttempt) {
      const { startedAt, providerState } = options.earlierAttempt;
      await this.db.pool.query(
        `insert into delivery_attempts (delivery_id, user_id, attempt_no, started_at, finished_at, outcome, error_type, error_message, provider_state)
         values ($1, $2, 1, $3, $3, 'retrying', 'provider_unavailable', 'An earlier attempt failed', $4)`,
        [delivery.id, delivery.userId, startedAt, providerState],
      );
      await this.db.pool.query('update deliveries set attempt_count = 1 where id = $1', [delivery.id]);
    }
    await enqueueDelivery(this.jobQueue(), delivery, { maxAttempts: 4 });
    return delivery;
  }

  jobQueue(): Queue<JobPayloads['publish-delivery']> {
    this.queue ??= new Queue('meta', { ...publishQueueOptions, connection: this.redis.client, prefix: this.redis.prefix });
    return this.queue;
  }

  /** The account's health as the gateway shows it (healthy, warning, error). */
  async health(account: { id: string; userId: string }) {
    return accountHealthStatus((await findAccount(this.db.db, account.userId, account.id))!, new Date());
  }

  async account(account: { id: string; userId: string }) {
    return (await findAccount(this.db.db, account.userId, account.id))!;
  }

  /** An Instagram publication at `at` (counted in the rolling 24 h publishing quota). */
  seedInstagramPublication(igUserId: string, at: Date) {
    const { store } = this.graph.control;
    const id = store.newId();
    store.publishTimes.set(igUserId, [...(store.publishTimes.get(igUserId) ?? []), at]);
    store.igMedia.set(id, { id, igUserId, containerId: 'none', mediaType: 'IMAGE', caption: `earlier ${id}`, altText: null, timestamp: at, permalink: `https://www.instagram.com/p/${id}/` });
  }

  async delivery(id: string): Promise<DeliveryRow> {
    return (await findDeliveryForJob(this.db.db, id))!;
  }

  async waitForStatus(id: string, statuses: string[], timeoutMs = 15_000): Promise<DeliveryRow> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.delivery(id);
      if (statuses.includes(row.status)) return row;
      if (Date.now() > deadline) throw new Error(`delivery ${id} is ${row.status} (${row.lastErrorMessage ?? 'no error'}), expected ${statuses.join('|')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Polls until `check` holds. */
  async waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    await eventually(what, check, timeoutMs, 25);
  }

  async attempts(delivery: { id: string; userId: string }) {
    return (await findDeliveryWithAttempts(this.db.db, delivery.userId, delivery.id))!.attempts;
  }

  async logs(delivery: { id: string; userId: string }) {
    return (await listDeliveryLogs(this.db.db, delivery.userId, delivery.id))!;
  }

  /** Makes a waiting delivery due now (as if its wait had passed) and wakes its job. */
  async skipWait(delivery: DeliveryRow) {
    await this.db.pool.query('update deliveries set due_at = now(), next_attempt_at = case when next_attempt_at is null then null else now() end where id = $1', [delivery.id]);
    await this.db.pool.query('update accounts set cooldown_until = null where id = $1', [delivery.accountId]);
    const current = await this.delivery(delivery.id);
    const job = await this.jobQueue().getJob(deliveryJobId(delivery.id, current.run));
    await job?.promote().catch(() => undefined);
  }

  async closeWorkers() {
    await Promise.all(this.services.splice(0).map((service) => service.close()));
  }

  async close() {
    await this.closeWorkers();
    await this.queue?.close();
    await this.media?.app.close();
    await this.graph.close();
    await this.redis.destroy();
    await this.db.destroy();
  }
}
