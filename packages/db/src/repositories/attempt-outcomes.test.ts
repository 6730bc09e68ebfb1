import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, insertAccount, insertPost, insertPostingJob, insertUser, testKeyring, type TestDatabase } from '@autoposter/testing';
import { deliveryAttempts, deliveryLogs, postingJobs } from '../schema.ts';
import { claimAndStartAttempts } from './attempt-claims.ts';
import { recordPublications } from './attempt-outcomes.ts';
import { recordDeliveryOutcome } from './posting-jobs.ts';

describe('recording a publication in one statement', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.destroy());

  /** `posts` posts of one user with one queued delivery each, all in one posting job, each claimed. */
  async function claimedJob(postCount: number) {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id);
    const deliveries = [];
    for (let i = 0; i < postCount; i++) {
      const { deliveries: rows } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'queued', dueAt: new Date() }]);
      deliveries.push(rows[0]!);
    }
    const job = await insertPostingJob(db.db, user.id, deliveries.map((d) => ({ id: d.id, postId: d.postId })));
    const claims = await Promise.all(
      deliveries.map(async (d) => (await claimAndStartAttempts(db.db, batch(), [{ deliveryId: d.id, run: 0, token: `t-${d.id}` }]))[0]),
    );
    return { job, claims: claims.map((claim) => claim!) };
  }

  const batch = () => ({ leaseMs: 60_000, now: new Date(), workerId: 'w' });
  type Claimed = Awaited<ReturnType<typeof claimedJob>>['claims'][number];
  const publication = (claim: Claimed, token = `t-${claim.delivery.id}`) => ({
    fence: { deliveryId: claim.delivery.id, token },
    providerPostId: `p-${claim.delivery.id}`,
    permalink: null,
    attemptId: claim.attempt.id,
    logLine: { deliveryId: claim.delivery.id, attemptNo: claim.attempt.attemptNo, level: 'INFO' as const, message: 'Published', fields: { provider_post_id: 'x' } },
  });
  const post = async (claim: Claimed, token?: string) => (await recordPublications(db.db, [publication(claim, token)]))[0]!;

  it('posts the delivery, closes its attempt, appends the log line and counts the job', async () => {
    const { job, claims } = await claimedJob(1);
    const recorded = (await post(claims[0]!))!;

    expect(recorded.delivery).toMatchObject({ status: 'posted', claimToken: null, claimExpiresAt: null, providerPostId: `p-${claims[0]!.delivery.id}`, postedAt: expect.any(Date) });
    const [attempt] = await db.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.id, claims[0]!.attempt.id));
    expect(attempt).toMatchObject({ outcome: 'posted', providerPostId: recorded.delivery.providerPostId, finishedAt: expect.any(Date) });
    const logs = await db.db.select().from(deliveryLogs).where(eq(deliveryLogs.deliveryId, recorded.delivery.id));
    expect(logs).toMatchObject([{ attemptNo: 1, level: 'INFO', message: 'Published', fields: { provider_post_id: 'x' } }]);
    const [stored] = await db.db.select().from(postingJobs).where(eq(postingJobs.id, job.id));
    expect(recorded.postingJob).toEqual(stored);
    expect(stored).toMatchObject({ status: 'completed', completedPosts: 1, failedPosts: 0, totalPosts: 1, completedAt: expect.any(Date) });
  });

  it('writes nothing once the claim was taken over', async () => {
    const { job, claims } = await claimedJob(1);
    expect(await post(claims[0]!, 'someone-else')).toBeNull();
    const [attempt] = await db.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.id, claims[0]!.attempt.id));
    expect(attempt!.outcome).toBe('running');
    expect(await db.db.select().from(deliveryLogs).where(eq(deliveryLogs.deliveryId, claims[0]!.delivery.id))).toEqual([]);
    const [stored] = await db.db.select().from(postingJobs).where(eq(postingJobs.id, job.id));
    expect(stored).toMatchObject({ status: 'running', completedPosts: 0, completedAt: null });
  });

  it('counts concurrent publications of one job without losing any, completing it exactly once', async () => {
    const { job, claims } = await claimedJob(8);
    const recorded = await Promise.all(claims.map((claim) => post(claim)));
    const [stored] = await db.db.select().from(postingJobs).where(eq(postingJobs.id, job.id));
    expect(stored).toMatchObject({ status: 'completed', completedPosts: 8, totalPosts: 8 });
    expect(recorded.filter((r) => r!.postingJob!.completedAt !== null)).toHaveLength(1);
    // A repeat (after a crash) is not counted again.
    expect(await recordDeliveryOutcome(db.db, { jobId: job.id, postId: claims[0]!.delivery.postId, outcome: 'posted' })).toBeNull();
  });

  it('records a batch in one statement: each under its own fence, a post with two deliveries counted once, the job carried by one row', async () => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id);
    const { deliveries: targets } = await insertPost(
      db.db,
      user.id,
      ['facebook_page', 'instagram'].map((channel) => ({ channel: channel as 'facebook_page' | 'instagram', accountId: account.id, status: 'queued' as const, dueAt: new Date() })),
    );
    const { deliveries: [alone] } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'queued', dueAt: new Date() }]);
    const { deliveries: [unfinished] } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'queued', dueAt: new Date() }]);
    const all = [...targets, alone!, unfinished!];
    const job = await insertPostingJob(db.db, user.id, all.map((d) => ({ id: d.id, postId: d.postId })));
    const claims = (await claimAndStartAttempts(db.db, batch(), all.map((d) => ({ deliveryId: d.id, run: 0, token: `t-${d.id}` })))).map((c) => c!);

    const [lost, ...rest] = await recordPublications(db.db, [publication(claims[3]!, 'stale'), ...claims.slice(0, 3).map((claim) => publication(claim))]);

    expect(lost).toBeNull();
    expect(rest.map((r) => r!.delivery.id)).toEqual(claims.slice(0, 3).map((c) => c.delivery.id));
    expect(rest.map((r) => r!.delivery.status)).toEqual(['posted', 'posted', 'posted']);
    expect(rest.map((r) => r!.postingJob?.id ?? null)).toEqual([job.id, null, null]);
    expect(rest[0]!.postingJob).toMatchObject({ completedPosts: 2, totalPosts: 3, completedAt: null, status: 'running' });
    const logs = await db.db.select().from(deliveryLogs).where(eq(deliveryLogs.message, 'Published'));
    expect(logs.filter((line) => all.some((d) => d.id === line.deliveryId)).map((line) => line.deliveryId)).toEqual(claims.slice(0, 3).map((c) => c.delivery.id));

    const [last] = await recordPublications(db.db, [publication(claims[3]!)]);
    expect(last!.postingJob).toMatchObject({ completedPosts: 3, totalPosts: 3, status: 'completed', completedAt: expect.any(Date) });
  });

  it('ends a job failed when none of its posts published, and takes an all-canceled post out of its total', async () => {
    const { job, claims } = await claimedJob(2);
    const [first, second] = claims.map((claim) => ({ jobId: job.id, postId: claim.delivery.postId }));
    expect(await recordDeliveryOutcome(db.db, { ...first!, outcome: 'canceled' })).toMatchObject({ totalPosts: 1, completedAt: null, status: 'running' });
    expect(await recordDeliveryOutcome(db.db, { ...second!, outcome: 'failed' })).toMatchObject({
      totalPosts: 1,
      failedPosts: 1,
      completedPosts: 0,
      status: 'failed',
      completedAt: expect.any(Date),
    });
  });
});
