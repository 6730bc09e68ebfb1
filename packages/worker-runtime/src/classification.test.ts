import { describe, expect, it } from 'vitest';
import { findAccount } from '@autoposter/db/repositories/accounts';
import { WorkerHarness, withWorkerHarness } from './test/worker-harness.ts';

describe('publish worker: what a failure does to the account', () => {
  let h: WorkerHarness;
  withWorkerHarness((harness) => (h = harness));

  it('marks the account invalid on session_expired, fails the delivery and announces the account health', async () => {
    const { delivery, userId, account } = await h.seed();
    h.provider.script({ kind: 'fail', type: 'session_expired', message: 'Please log in again' });
    await h.enqueue(delivery);
    await h.startWorker();

    const failed = await h.waitForStatus(delivery.id, 'failed');
    expect(failed).toMatchObject({ lastErrorType: 'session_expired', attemptCount: 1 });
    expect(await findAccount(h.db.db, userId, account.id)).toMatchObject({
      sessionValid: false,
      sessionMessage: 'Please log in again',
      sessionCheckedAt: expect.any(Date),
    });
    const health = (await h.events(userId)).filter((e) => e.type === 'account.health');
    expect(health).toHaveLength(1);
    expect(health[0]!.data).toMatchObject({ account_id: account.id, session_valid: false, health_status: 'error' });
  });

  it('puts the account in cooldown for the provider retry-after, and retries only after it', async () => {
    const { delivery, userId, account } = await h.seed();
    h.provider.script({ kind: 'fail', type: 'rate_limit', retryAfterMs: 1_000 });
    await h.enqueue(delivery);
    await h.startWorker();

    const retrying = await h.waitForStatus(delivery.id, 'retrying');
    const cooled = await findAccount(h.db.db, userId, account.id);
    expect(cooled!.cooldownUntil).toBeInstanceOf(Date);
    expect(Math.abs(cooled!.cooldownUntil!.getTime() - retrying.nextAttemptAt!.getTime())).toBeLessThan(200);
    expect(cooled!.sessionValid).toBeNull();

    const posted = await h.waitForStatus(delivery.id, 'posted');
    const [, second] = await h.attempts(posted);
    expect(second!.startedAt.getTime()).toBeGreaterThanOrEqual(cooled!.cooldownUntil!.getTime());
    expect(posted.attemptCount).toBe(2);
  });

  it('treats an unrecognised publisher error as unknown outcome: retried, and looked for before publishing again', async () => {
    const { delivery } = await h.seed();
    h.provider.script({ kind: 'fail', type: 'unknown', outcomeUnknown: true });
    const lookupsBefore = h.provider.lookups();
    await h.enqueue(delivery);
    await h.startWorker();

    const posted = await h.waitForStatus(delivery.id, 'posted');
    const [first] = await h.attempts(posted);
    expect(first).toMatchObject({ outcome: 'retrying', errorType: 'unknown', outcomeUnknown: true });
    expect(h.provider.lookups()).toBe(lookupsBefore + 1);
  });
});
