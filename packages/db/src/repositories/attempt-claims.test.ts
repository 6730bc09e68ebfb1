import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, insertAccount, insertMedia, insertPost, insertPostingJob, insertUser, testKeyring, type TestDatabase } from '@autoposter/testing';
import { deliveryAttempts, media, postingJobs, posts } from '../schema.ts';
import { claimAndStartAttempts } from './attempt-claims.ts';
import { saveProviderState } from './attempts.ts';

describe('claiming a delivery and starting its attempt in one statement', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.destroy());

  async function queuedDelivery(postOverrides: Partial<typeof posts.$inferInsert> = {}) {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id);
    const { post, deliveries } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'queued', dueAt: new Date() }], postOverrides);
    return { user, post, delivery: deliveries[0]! };
  }

  const claim = async (deliveryId: string, token: string, leaseMs = 60_000) =>
    (await claimAndStartAttempts(db.db, { leaseMs, now: new Date(), workerId: `worker-${token}` }, [{ deliveryId, run: 0, token }]))[0]!;

  it('claims, opens the attempt, starts the posting job and reads the post and its media as drizzle reads them', async () => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id);
    const [image, video] = [await insertMedia(db.db, user.id), await insertMedia(db.db, user.id, { mime: 'video/mp4' })];
    const { post, deliveries } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'queued', dueAt: new Date() }], {
      title: null,
      price: '12.50',
      mediaIds: [image!.id],
      videoMediaId: video!.id,
    });
    const delivery = deliveries[0]!;
    const job = await insertPostingJob(db.db, user.id, [{ id: delivery.id, postId: post.id }]);

    const claimed = (await claim(delivery.id, 'a'))!;

    expect(claimed.delivery).toMatchObject({ id: delivery.id, status: 'processing', claimToken: 'a', attemptCount: 1, postingJobId: job.id });
    const [attempt] = await db.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, delivery.id));
    expect(claimed.attempt).toEqual(attempt);
    expect(claimed.attempt).toMatchObject({ attemptNo: 1, outcome: 'running', workerId: 'worker-a' });
    const [startedJob] = await db.db.select().from(postingJobs).where(eq(postingJobs.id, job.id));
    expect(claimed.postingJob).toEqual(startedJob);
    expect(startedJob).toMatchObject({ status: 'running', currentPostId: post.id, currentPostTitle: 'Hello from a test', startedAt: expect.any(Date) });
    const [storedPost] = await db.db.select().from(posts).where(eq(posts.id, post.id));
    expect(claimed.post).toEqual(storedPost);
    expect(claimed.post!.price).toBe('12.50');
    const storedMedia = await db.db.select().from(media).where(eq(media.userId, user.id));
    expect(new Map(claimed.media.map((row) => [row.id, row]))).toEqual(new Map(storedMedia.map((row) => [row.id, row])));
    expect(claimed.history).toEqual({ unknownSince: null, savedState: null });
  });

  it('writes nothing when the claim loses the race', async () => {
    const { delivery } = await queuedDelivery();
    const results = await Promise.all(['a', 'b', 'c'].map((token) => claim(delivery.id, token)));
    expect(results.filter((row) => row !== null)).toHaveLength(1);
    const attempts = await db.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, delivery.id));
    expect(attempts).toHaveLength(1);
    expect(await claimAndStartAttempts(db.db, { leaseMs: 1, now: new Date(), workerId: 'w' }, [{ deliveryId: delivery.id, run: 1, token: 'x' }])).toEqual([null]);
  });

  it('claims a batch in one statement: results in input order, null where the claim lost, each with its own post', async () => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id);
    const image = await insertMedia(db.db, user.id);
    const { post: shared, deliveries: targets } = await insertPost(
      db.db,
      user.id,
      ['facebook_page', 'instagram'].map((channel) => ({ channel: channel as 'facebook_page' | 'instagram', accountId: account.id, status: 'queued' as const, dueAt: new Date() })),
      { mediaIds: [image!.id] },
    );
    const { post: single, deliveries: [alone] } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'queued', dueAt: new Date() }]);
    const job = await insertPostingJob(db.db, user.id, [...targets, alone!].map((d) => ({ id: d.id, postId: d.postId })));
    const taken = await queuedDelivery();
    await claim(taken.delivery.id, 'first');

    const inputs = [alone!, taken.delivery, ...targets].map((d, i) => ({ deliveryId: d.id, run: 0, token: `batch-${i}` }));
    const results = await claimAndStartAttempts(db.db, { leaseMs: 60_000, now: new Date(), workerId: 'w' }, inputs);

    expect(results.map((r) => r?.delivery.id ?? null)).toEqual([alone!.id, null, targets[0]!.id, targets[1]!.id]);
    expect(results.map((r) => r?.delivery.claimToken ?? null)).toEqual(['batch-0', null, 'batch-2', 'batch-3']);
    expect(results.map((r) => r?.post?.id ?? null)).toEqual([single.id, null, shared.id, shared.id]);
    expect(results.map((r) => r?.media.map((m) => m.id) ?? null)).toEqual([[], null, [image!.id], [image!.id]]);
    expect(new Set(results.map((r) => r?.attempt.deliveryId ?? null))).toEqual(new Set([alone!.id, null, ...targets.map((d) => d.id)]));
    expect(results[0]!.postingJob).toMatchObject({ id: job.id, status: 'running' });
    const attempts = await db.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.userId, user.id));
    expect(attempts).toHaveLength(3);
  });

  it("abandons a dead worker's running attempt and reports its unknown outcome and saved state to the next", async () => {
    const { delivery } = await queuedDelivery();
    const first = (await claim(delivery.id, 'first'))!;
    expect(first.postingJob).toBeNull();
    expect(await saveProviderState(db.db, { deliveryId: delivery.id, token: 'first' }, first.attempt.id, { container: 'c1' })).toBe(true);
    await db.pool.query(`update deliveries set claim_expires_at = now() - interval '1 second' where id = $1`, [delivery.id]);

    const second = (await claim(delivery.id, 'second'))!;
    // The first worker's claim was taken over: its late save is fenced out.
    expect(await saveProviderState(db.db, { deliveryId: delivery.id, token: 'first' }, first.attempt.id, { container: 'late' })).toBe(false);

    expect(second.attempt).toMatchObject({ attemptNo: 2, outcome: 'running' });
    expect(second.history).toEqual({ unknownSince: first.attempt.startedAt, savedState: { container: 'c1' } });
    const [abandoned] = await db.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.id, first.attempt.id));
    expect(abandoned).toMatchObject({ outcome: 'abandoned', outcomeUnknown: true, finishedAt: expect.any(Date) });
  });

  it('reads a deleted post as it is: the runtime refuses to publish it', async () => {
    const { delivery, post } = await queuedDelivery();
    await db.pool.query(`update posts set deleted_at = now() where id = $1`, [post.id]);
    const claimed = (await claim(delivery.id, 'a'))!;
    expect(claimed.post).toMatchObject({ id: post.id, deletedAt: expect.any(Date) });
    expect(claimed.media).toEqual([]);
  });
});
