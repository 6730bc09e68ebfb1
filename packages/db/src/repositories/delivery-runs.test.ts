import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, insertAccount, insertPost, insertUser, testKeyring, type TestDatabase } from '@autoposter/testing';
import {
  cancelUnheldDelivery,
  findDeliveryForJob,
  findDeliveriesWithAccounts,
  markDeliveryFailed,
  markDeliveryRetrying,
  releaseDelivery,
  renewClaim,
} from './delivery-runs.ts';
import { claimAndStartAttempts } from './attempt-claims.ts';
import { recordPublications } from './attempt-outcomes.ts';

describe('delivery claims', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.destroy());

  async function queuedDelivery(overrides: { dueAt?: Date; status?: 'queued' | 'canceled' } = {}) {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id);
    const { deliveries } = await insertPost(db.db, user.id, [
      { channel: 'facebook_page', accountId: account.id, status: overrides.status ?? 'queued', dueAt: overrides.dueAt ?? new Date() },
    ]);
    return deliveries[0]!;
  }

  const claim = async (deliveryId: string, token: string, extra: { run?: number; leaseMs?: number } = {}) => {
    const batch = { leaseMs: extra.leaseMs ?? 60_000, now: new Date(), workerId: token };
    const [claimed] = await claimAndStartAttempts(db.db, batch, [{ deliveryId, run: extra.run ?? 0, token }]);
    return claimed?.delivery ?? null;
  };
  const markPosted = async (fence: { deliveryId: string; token: string }) => {
    const { rows } = await db.pool.query<{ id: string }>('select id from delivery_attempts where delivery_id = $1 order by attempt_no desc limit 1', [fence.deliveryId]);
    const logLine = { deliveryId: fence.deliveryId, attemptNo: 1, level: 'INFO' as const, message: 'Published', fields: {} };
    const [recorded] = await recordPublications(db.db, [{ fence, providerPostId: 'p', permalink: null, attemptId: rows[0]!.id, logLine }]);
    return recorded?.delivery ?? null;
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const requestCancel = (deliveryId: string) => db.pool.query(`update deliveries set cancel_requested_at = now() where id = $1`, [deliveryId]);
  const someError = { type: 'network_error' as const, code: null, message: 'boom' };

  it('reads deliveries with their live accounts in one statement, in order, as the separate reads map them', async () => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id, 'facebook_page', { limits: { daily_cap: 3 }, cooldownUntil: new Date() });
    const { deliveries } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'queued', dueAt: new Date() }]);
    const delivery = deliveries[0]!;
    const other = await queuedDelivery();
    const missing = '00000000-0000-4000-8000-000000000000';

    const found = await findDeliveriesWithAccounts(db.db, [other.id, missing, delivery.id]);
    expect(found[2]).toEqual({ delivery: await findDeliveryForJob(db.db, delivery.id), account });
    expect(found[0]!.delivery.id).toBe(other.id);
    expect(found[1]).toBeNull();
    await db.pool.query(`update accounts set deleted_at = now() where id = $1`, [account.id]);
    expect((await findDeliveriesWithAccounts(db.db, [delivery.id]))[0]!.account).toBeNull();
  });

  it('lets exactly one of two racing workers claim a delivery', async () => {
    const delivery = await queuedDelivery();
    const results = await Promise.all(['a', 'b', 'c'].map((token) => claim(delivery.id, token)));
    const winners = results.filter((row) => row !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ status: 'processing', attemptCount: 1, claimedAt: expect.any(Date) });
  });

  it('refuses another run, a delivery not due yet, and one that is no longer live', async () => {
    expect(await claim((await queuedDelivery()).id, 't', { run: 1 })).toBeNull();
    expect(await claim((await queuedDelivery({ dueAt: new Date(Date.now() + 60_000) })).id, 't')).toBeNull();
    expect(await claim((await queuedDelivery({ status: 'canceled' })).id, 't')).toBeNull();
  });

  it('hands a claim whose lease expired to a new worker and fences the old one out', async () => {
    const delivery = await queuedDelivery();
    await claim(delivery.id, 'old', { leaseMs: 10 });
    await sleep(20);

    const taken = await claim(delivery.id, 'new');
    expect(taken).toMatchObject({ claimToken: 'new', attemptCount: 2 });
    const old = { deliveryId: delivery.id, token: 'old' };
    expect(await renewClaim(db.db, old, 60_000)).toBe(false);
    expect(await markPosted(old)).toBeNull();
    expect(await renewClaim(db.db, { deliveryId: delivery.id, token: 'new' }, 60_000)).toBe(true);
    expect((await findDeliveryForJob(db.db, delivery.id))!.status).toBe('processing');
  });

  it("judges a claim by the lease its holder wrote, never by the reader's lock duration", async () => {
    const delivery = await queuedDelivery();
    const claimed = await claim(delivery.id, 'holder', { leaseMs: 400 });
    expect(claimed!.claimExpiresAt!.getTime() - claimed!.claimedAt!.getTime()).toBe(400);
    await sleep(30);
    // A worker with a far shorter lock duration must not take it over.
    expect(await claim(delivery.id, 'short-lock', { leaseMs: 10 })).toBeNull();

    // The heartbeat extends the lease from now; the claim keeps its start time.
    const holder = { deliveryId: delivery.id, token: 'holder' };
    expect(await renewClaim(db.db, holder, 60_000)).toBe(true);
    const renewed = (await findDeliveryForJob(db.db, delivery.id))!;
    expect(renewed.claimedAt).toEqual(claimed!.claimedAt);
    expect(renewed.claimExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    await sleep(450);
    expect(await claim(delivery.id, 'short-lock', { leaseMs: 10 })).toBeNull();

    // A release clears the lease, and is due again after the time asked for.
    const released = await releaseDelivery(db.db, holder, 5_000);
    expect(released).toMatchObject({ status: 'queued', claimToken: null, claimedAt: null, claimExpiresAt: null });
    expect(released!.dueAt!.getTime()).toBeGreaterThan(Date.now() + 4_000);
  });

  it('ends a processing delivery canceled instead of retrying, failed or released once its cancel was requested', async () => {
    const ends = [
      (fence: { deliveryId: string; token: string }) => markDeliveryRetrying(db.db, fence, someError, new Date(Date.now() + 60_000)),
      (fence: { deliveryId: string; token: string }) => markDeliveryFailed(db.db, fence, someError),
      (fence: { deliveryId: string; token: string }) => releaseDelivery(db.db, fence, 0),
    ];
    for (const end of ends) {
      const delivery = await queuedDelivery();
      await claim(delivery.id, 'w');
      await requestCancel(delivery.id);
      const row = await end({ deliveryId: delivery.id, token: 'w' });
      expect(row).toMatchObject({ status: 'canceled', claimToken: null, claimExpiresAt: null, nextAttemptAt: null });
    }
    // Without a cancel request, the same end keeps its own status.
    const plain = await queuedDelivery();
    await claim(plain.id, 'w');
    expect(await markDeliveryRetrying(db.db, { deliveryId: plain.id, token: 'w' }, someError, new Date())).toMatchObject({ status: 'retrying' });
  });

  it('keeps a posted delivery posted, refuses to claim a cancel-requested one, and cancels it once nobody holds it', async () => {
    const posted = await queuedDelivery();
    await claim(posted.id, 'w');
    await requestCancel(posted.id);
    expect(await markPosted({ deliveryId: posted.id, token: 'w' })).toMatchObject({ status: 'posted' });
    expect(await cancelUnheldDelivery(db.db, { deliveryId: posted.id, run: 0 })).toBeNull();

    const held = await queuedDelivery();
    await claim(held.id, 'w', { leaseMs: 200 });
    await requestCancel(held.id);
    expect(await cancelUnheldDelivery(db.db, { deliveryId: held.id, run: 0 })).toBeNull();
    await sleep(250);
    expect(await claim(held.id, 'other')).toBeNull();
    expect(await cancelUnheldDelivery(db.db, { deliveryId: held.id, run: 1 })).toBeNull();
    expect(await cancelUnheldDelivery(db.db, { deliveryId: held.id, run: 0 })).toMatchObject({ status: 'canceled', claimToken: null });
  });
});
