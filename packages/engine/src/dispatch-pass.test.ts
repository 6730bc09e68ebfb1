import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryJobId } from '@autoposter/queue';
import { createLogger } from '@autoposter/logger';
import {
  createTestDatabase,
  createTestPublisher,
  createTestRedis,
  insertAccount,
  insertPost,
  insertUser,
  startFakeProvider,
  testKeyring,
  testWorkerConfig,
  type TestDatabase,
  type TestRedis,
} from '@autoposter/testing';
import { createPublishWorker } from '@autoposter/worker-runtime';
import { createEngine, type Engine } from './engine.ts';

/**
 * FLUSHALL would wipe the Redis that parallel test files share, so this file gets a Redis
 * database number of its own and FLUSHDBs it: the same loss, as far as our keys go.
 */
const OWN_REDIS_DB = 9;

let db: TestDatabase;
let testRedis: TestRedis;
let redis: Redis;
let engine: Engine;
const keyring = testKeyring();
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  db = await createTestDatabase();
  testRedis = await createTestRedis();
  redis = new Redis(testRedis.url, { db: OWN_REDIS_DB, maxRetriesPerRequest: 2 });
  engine = createEngine({
    db: db.db,
    redis,
    prefix: testRedis.prefix,
    logger: silent,
    settings: { maxAttempts: 5, horizonMs: 15 * 60_000, dispatchIntervalMs: 5_000, retentionDays: 90 },
  });
});
afterAll(async () => {
  await engine.close();
  await redis.flushdb();
  redis.disconnect();
  await testRedis.destroy();
  await db.destroy();
});

async function makePosts(userId: string, accountId: string, count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await insertPost(db.db, userId, [{ channel: 'facebook_page', accountId }])).post.id);
  return ids;
}

const deliveriesOf = async (postIds: string[]) =>
  (await db.pool.query<{ id: string; run: number }>('select id, run from deliveries where post_id = any($1)', [postIds])).rows;

const jobState = (d: { id: string; run: number }) => engine.queues.meta.getJobState(deliveryJobId(d.id, d.run));

describe('dispatch pass', () => {
  it('after Redis loses everything, one pass restores every scheduled and queued delivery, and each is published once', async () => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, keyring, user.id, 'facebook_page');
    const queuedPosts = await makePosts(user.id, account.id, 250);
    const scheduledPosts = await makePosts(user.id, account.id, 250);
    await engine.startPosting(user.id, queuedPosts);
    for (const postId of scheduledPosts) {
      await engine.schedulePost(user.id, postId, new Date(Date.now() + 1_500));
    }
    const farAway = (await makePosts(user.id, account.id, 1))[0]!;
    await engine.schedulePost(user.id, farAway, new Date(Date.now() + 30 * 86_400_000));

    await redis.flushdb();
    expect(await engine.queues.meta.count()).toBe(0);

    const first = await engine.dispatchPass();
    expect(first.enqueued).toBe(500);
    const rows = await deliveriesOf([...queuedPosts, ...scheduledPosts]);
    const states = await Promise.all(rows.map(jobState));
    expect(states.filter((s) => s === 'waiting' || s === 'delayed')).toHaveLength(500);

    const [far] = await deliveriesOf([farAway]);
    expect(await jobState(far!)).toBe('unknown');

    const second = await engine.dispatchPass();
    expect(second.enqueued).toBe(0);
    expect(await engine.queues.meta.count()).toBe(500);

    const provider = await startFakeProvider();
    const connection = new Redis(testRedis.url, { db: OWN_REDIS_DB, maxRetriesPerRequest: null });
    const worker = createPublishWorker({
      queueName: 'meta',
      publisher: createTestPublisher({ providerUrl: provider.url }),
      db: db.db,
      connection,
      prefix: testRedis.prefix,
      config: testWorkerConfig({ concurrency: 8 }),
      keyring,
      logger: createLogger({ service: 'test', level: 'silent' }),
      workerId: 'flush-test',
    });
    try {
      const ids = rows.map((r) => r.id);
      const postedCount = async () =>
        (await db.pool.query<{ n: number }>(`select count(*)::int as n from deliveries where id = any($1) and status = 'posted'`, [ids])).rows[0]!.n;
      const deadline = Date.now() + 30_000;
      while ((await postedCount()) < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await postedCount()).toBe(500);
      const published = provider.publications().map((p) => p.delivery_id);
      expect(published.sort()).toEqual([...ids].sort());
    } finally {
      await worker.close();
      connection.disconnect();
      await provider.close();
    }
  }, 60_000);

  it('re-adds a job that finished while its delivery still has work (a worker died after BullMQ gave up)', async () => {
    await redis.flushdb();
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id, 'facebook_page');
    const [postId] = await makePosts(user.id, account.id, 1);
    await engine.startPosting(user.id, [postId!]);
    const [d] = await deliveriesOf([postId!]);
    const gaveUp = new Promise<void>((resolve) => {
      const worker = new Worker('meta', async () => { throw new UnrecoverableError('job stalled more than allowable limit'); }, {
        connection: new Redis(testRedis.url, { db: OWN_REDIS_DB, maxRetriesPerRequest: null }),
        prefix: testRedis.prefix,
      });
      worker.on('failed', () => void worker.close().then(() => resolve()));
    });
    await gaveUp;
    expect(await jobState(d!)).toBe('failed');

    const result = await engine.dispatchPass();
    expect(result.enqueued).toBeGreaterThanOrEqual(1);
    expect(await jobState(d!)).toBe('waiting');
  });

  it('pages through more deliveries than a page holds that share one microsecond due time', async () => {
    await redis.flushdb();
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id, 'facebook_page');
    await db.pool.query(
      `with p as (insert into posts (user_id, body) select $1, 'bulk ' || g from generate_series(1, 1200) g returning id)
       insert into deliveries (post_id, user_id, channel, account_id, status, due_at)
       select p.id, $1, 'facebook_page', $2, 'queued', date_trunc('second', now()) + interval '123456 microseconds' from p`,
      [user.id, account.id],
    );
    const result = await engine.dispatchPass();
    expect(result.enqueued).toBeGreaterThanOrEqual(1200);
    expect(result.checked).toBe(result.enqueued);
  });

  it('leaves alone a processing delivery whose holder still renews its lease', async () => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id, 'facebook_page');
    const { deliveries } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'processing', dueAt: new Date() }]);
    await db.pool.query(`update deliveries set claim_expires_at = now() + interval '30 seconds', claim_token = 'live-worker' where id = $1`, [deliveries[0]!.id]);
    await engine.dispatchPass();
    expect(await jobState(deliveries[0]!)).toBe('unknown');
  });

  it('hands out again a delivery left processing by a dead worker once its claim lease expired', async () => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id, 'facebook_page');
    const { deliveries } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'processing', dueAt: new Date() }]);
    const d = deliveries[0]!;
    await db.pool.query(
      `update deliveries set claimed_at = now() - interval '61 seconds', claim_expires_at = now() - interval '1 second', claim_token = 'dead-worker' where id = $1`,
      [d.id],
    );
    await engine.dispatchPass();
    expect(await jobState(d)).toBe('waiting');
  });
});
