import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, insertAccount, insertPost, insertUser, testKeyring, type TestDatabase } from '@autoposter/testing';
import { findAttemptHistory, saveProviderState, startAttempt } from './attempts.ts';
import { claimDelivery, findDeliveryForJob, markDeliveryPosted, renewClaim } from './delivery-runs.ts';

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

  const claim = (deliveryId: string, token: string, extra: { run?: number; staleAfterMs?: number } = {}) =>
    claimDelivery(db.db, { deliveryId, run: extra.run ?? 0, token, now: new Date(), staleAfterMs: extra.staleAfterMs ?? 60_000 });

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

  it('hands a stale claim to a new worker and fences the old one out', async () => {
    const delivery = await queuedDelivery();
    await claim(delivery.id, 'old');
    expect(await claim(delivery.id, 'new')).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));

    const taken = await claim(delivery.id, 'new', { staleAfterMs: 10 });
    expect(taken).toMatchObject({ claimToken: 'new', attemptCount: 2 });
    const old = { deliveryId: delivery.id, token: 'old' };
    expect(await renewClaim(db.db, old)).toBe(false);
    expect(await markDeliveryPosted(db.db, old, { providerPostId: 'x', permalink: null })).toBeNull();
    expect(await renewClaim(db.db, { deliveryId: delivery.id, token: 'new' })).toBe(true);
    expect((await findDeliveryForJob(db.db, delivery.id))!.status).toBe('processing');
  });

  it('marks a dead worker\'s running attempt abandoned with an unknown outcome, and keeps its saved state', async () => {
    const delivery = await queuedDelivery();
    const ids = { deliveryId: delivery.id, userId: delivery.userId, workerId: 'w' };
    await claim(delivery.id, 'first');
    const first = await startAttempt(db.db, { ...ids, attemptNo: 1 });
    expect(await saveProviderState(db.db, { deliveryId: delivery.id, token: 'first' }, first.id, { container: 'c1' })).toBe(true);
    expect(await findAttemptHistory(db.db, delivery.userId, delivery.id)).toEqual({ unknownSince: null, savedState: { container: 'c1' } });

    await new Promise((resolve) => setTimeout(resolve, 20));
    await claim(delivery.id, 'second', { staleAfterMs: 10 });
    expect(await saveProviderState(db.db, { deliveryId: delivery.id, token: 'first' }, first.id, { container: 'late' })).toBe(false);
    await startAttempt(db.db, { ...ids, attemptNo: 2 });
    expect(await findAttemptHistory(db.db, delivery.userId, delivery.id)).toEqual({
      unknownSince: first.startedAt,
      savedState: { container: 'c1' },
    });
    // Another user sees nothing of it.
    const stranger = await insertUser(db.db);
    expect(await findAttemptHistory(db.db, stranger.id, delivery.id)).toEqual({ unknownSince: null, savedState: null });
  });
});
