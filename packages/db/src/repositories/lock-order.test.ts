import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, insertAccount, insertPost, insertUser, testKeyring, type TestDatabase } from '@autoposter/testing';
import { createDatabase, type Database } from '../client.ts';
import { claimAndStartAttempts } from './attempt-claims.ts';
import { recordPublications } from './attempt-outcomes.ts';
import type { DeliveryRow } from './delivery-runs.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every writer of several deliveries locks the deliveries by id, then their posts by id. Two
 * batches writing the deliveries of the same posts in opposite orders, while a third session
 * holds one of the posts, close a cycle otherwise, and Postgres kills one (deadlock, 40P01);
 * so does a batch that locks the posts before the deliveries, against the gateway.
 */
describe('batched statements lock their posts in one order', () => {
  let db: TestDatabase;
  let worker: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
    // As the workers run them: generic plans (which write the rows in their physical order).
    worker = createDatabase({ url: db.url, poolMax: 4, genericPlans: true });
  });
  afterAll(async () => {
    await worker.close();
    await db.destroy();
  });

  /**
   * Posts 1-3 with two queued deliveries each, the second of post 1 moved to the table's end: a
   * batch of post 2's second, post 3's first and post 1's second delivery then writes them in
   * that order, whether its plan follows the input or the table.
   */
  async function threePosts() {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id);
    const target = { channel: 'facebook_page' as const, accountId: account.id, status: 'queued' as const, dueAt: new Date(Date.now() - 1_000) };
    const posts = [];
    for (let i = 0; i < 3; i++) posts.push(await insertPost(db.db, user.id, [target, target]));
    await db.pool.query('update deliveries set updated_at = now() where id = $1', [posts[0]!.deliveries[1]!.id]);
    return posts.map(({ post, deliveries }) => ({ postId: post.id, deliveries }));
  }

  /** `second` starts while `heldPostId` is locked elsewhere, `first` 300 ms later; the lock goes 300 ms after that. */
  async function race<T>(heldPostId: string, first: () => Promise<T>, second: () => Promise<T>) {
    const holder = await db.pool.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from posts where id = $1 for update', [heldPostId]);
      const secondDone = second();
      await sleep(300);
      const firstDone = first();
      await sleep(300);
      await holder.query('commit');
      return await Promise.allSettled([firstDone, secondDone]);
    } finally {
      holder.release();
    }
  }

  const failures = (results: PromiseSettledResult<unknown>[]) =>
    results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { cause?: { code?: string } }).cause?.code ?? String(r.reason)] : []));

  const claim = (deliveries: DeliveryRow[]) =>
    claimAndStartAttempts(worker.db, { leaseMs: 60_000, now: new Date(), workerId: 'w' }, deliveries.map((d) => ({ deliveryId: d.id, run: 0, token: `t-${d.id}` })));

  it('claims', async () => {
    const [p1, p2, p3] = await threePosts();
    const results = await race(
      p3!.postId,
      () => claim([p1!.deliveries[0]!, p2!.deliveries[0]!]),
      () => claim([p2!.deliveries[1]!, p3!.deliveries[0]!, p1!.deliveries[1]!]),
    );
    expect(failures(results)).toEqual([]);
    expect(results.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])).every((c) => c !== null)).toBe(true);
  });

  it('publications', async () => {
    const [p1, p2, p3] = await threePosts();
    const claims = (await claim([...p1!.deliveries, ...p2!.deliveries, ...p3!.deliveries])).map((c) => c!);
    const byId = new Map(claims.map((c) => [c.delivery.id, c]));
    const publish = (deliveries: DeliveryRow[]) =>
      recordPublications(
        worker.db,
        deliveries.map((d) => {
          const { attempt } = byId.get(d.id)!;
          const logLine = { deliveryId: d.id, attemptNo: attempt.attemptNo, level: 'INFO' as const, message: 'Published', fields: {} };
          return { fence: { deliveryId: d.id, token: `t-${d.id}` }, providerPostId: `p-${d.id}`, permalink: null, attemptId: attempt.id, logLine };
        }),
      );
    const results = await race(
      p3!.postId,
      () => publish([p1!.deliveries[0]!, p2!.deliveries[0]!]),
      () => publish([p2!.deliveries[1]!, p3!.deliveries[0]!, p1!.deliveries[1]!]),
    );
    expect(failures(results)).toEqual([]);
    expect(results.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])).every((p) => p?.delivery.status === 'posted')).toBe(true);
  });

  it('a publication and a cancel of the same post (deliveries first, then the post, on both sides)', async () => {
    const [p1] = await threePosts();
    const [published, canceled] = p1!.deliveries;
    const [claimed] = await claim([published!]);
    const logLine = { deliveryId: published!.id, attemptNo: 1, level: 'INFO' as const, message: 'Published', fields: {} };
    const publication = { fence: { deliveryId: published!.id, token: `t-${published!.id}` }, providerPostId: 'p', permalink: null, attemptId: claimed!.attempt.id, logLine };

    // The gateway canceling the post's schedule: its deliveries locked, then a status change (the trigger locks the post).
    const gateway = await db.pool.connect();
    try {
      await gateway.query('begin');
      await gateway.query('select 1 from deliveries where post_id = $1 order by id for update', [p1!.postId]);
      const publishing = recordPublications(worker.db, [publication]).then(
        (rows) => rows,
        (err: { cause?: { code?: string } }) => err.cause?.code,
      );
      await sleep(300);
      await gateway.query(`update deliveries set status = 'canceled' where id = $1`, [canceled!.id]);
      await gateway.query('commit');
      expect(await publishing).toMatchObject([{ delivery: { status: 'posted' } }]);
    } finally {
      gateway.release();
    }
  });
});
