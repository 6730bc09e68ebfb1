import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, insertAccount, insertPost, insertUser, testKeyring, type TestDatabase, type TestRedis } from '@autoposter/testing';
import { deliveryJobId } from '@autoposter/queue';
import { createEngine, type Engine } from './engine.ts';

/** FLUSHDB on a Redis database of this file's own (FLUSHALL would hit parallel test files). */
const OWN_REDIS_DB = 8;

let db: TestDatabase;
let testRedis: TestRedis;
let redis: Redis;
let workerConnection: Redis;
let engine: Engine;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  db = await createTestDatabase();
  testRedis = await createTestRedis();
  redis = new Redis(testRedis.url, { db: OWN_REDIS_DB, maxRetriesPerRequest: 2 });
  workerConnection = new Redis(testRedis.url, { db: OWN_REDIS_DB, maxRetriesPerRequest: null });
  engine = createEngine({
    db: db.db,
    redis,
    prefix: testRedis.prefix,
    logger: silent,
    settings: { maxAttempts: 5, horizonMs: 60_000, dispatchIntervalMs: 300, retentionDays: 90 },
  });
});
afterAll(async () => {
  await engine.close();
  await redis.flushdb();
  redis.disconnect();
  workerConnection.disconnect();
  await testRedis.destroy();
  await db.destroy();
});

describe('periodic passes', () => {
  it('keep running after Redis loses everything, schedulers included', async () => {
    const passes = await engine.startPeriodicPasses(workerConnection);
    try {
      const user = await insertUser(db.db);
      const account = await insertAccount(db.db, testKeyring(), user.id, 'facebook_page');
      await redis.flushdb();
      // Due a second ago: a pass whose clock was read just before this insert would otherwise
      // see it a few milliseconds early and add it delayed, which no worker here promotes.
      const { deliveries } = await insertPost(db.db, user.id, [
        { channel: 'facebook_page', accountId: account.id, status: 'queued', dueAt: new Date(Date.now() - 1000) },
      ]);
      const jobId = deliveryJobId(deliveries[0]!.id, deliveries[0]!.run);
      const deadline = Date.now() + 10_000;
      while ((await engine.queues.meta.getJobState(jobId)) === 'unknown' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await engine.queues.meta.getJobState(jobId)).toBe('waiting');
    } finally {
      await passes.close();
    }
  });
});
