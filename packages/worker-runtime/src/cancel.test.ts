import { describe, expect, it } from 'vitest';
import { findPostingJob } from '@autoposter/db/repositories/posting-jobs';
import { WorkerHarness, sleep, withWorkerHarness } from './test/worker-harness.ts';

describe('publish worker: a cancel requested while a delivery is processing', () => {
  let h: WorkerHarness;
  withWorkerHarness((harness) => (h = harness));

  /** What the gateway does when the post's schedule is canceled while a worker holds the delivery. */
  const requestCancel = (deliveryId: string) =>
    h.db.pool.query(`update deliveries set cancel_requested_at = now() where id = $1 and status = 'processing'`, [deliveryId]);

  it('ends canceled, not retrying, when the attempt then fails for a passing reason, and never publishes', async () => {
    const { delivery, userId, jobId } = await h.seed();
    h.provider.script({ kind: 'fail', type: 'provider_unavailable', delayMs: 500 });
    const callsBefore = h.provider.calls().length;
    await h.enqueue(delivery);
    await h.startWorker();
    await h.provider.waitForCalls(callsBefore + 1);
    expect((await requestCancel(delivery.id)).rowCount).toBe(1);

    const canceled = await h.waitForStatus(delivery.id, ['canceled', 'retrying', 'posted']);
    expect(canceled).toMatchObject({ status: 'canceled', lastErrorType: 'provider_unavailable', nextAttemptAt: null, claimToken: null });
    const bullJob = await h.waitForJobState(delivery, 'completed');
    expect(bullJob.returnvalue).toEqual({ outcome: 'canceled' });
    await sleep(300); // well past the retry delay: nothing comes back
    expect(h.provider.calls(delivery.id)).toHaveLength(1);
    expect(h.provider.publications(delivery.id)).toHaveLength(0);

    const [attempt] = await h.attempts(canceled);
    expect(attempt).toMatchObject({ outcome: 'canceled', errorType: 'provider_unavailable' });
    expect((await h.logs(canceled)).at(-1)!.message).toMatch(/^Canceled/);
    // Counted into its job as canceled: the job's only post left it, and the job is done.
    expect(await findPostingJob(h.db.db, userId, jobId!)).toMatchObject({ status: 'completed', totalPosts: 0, completedAt: expect.any(Date) });
    const events = await h.events(userId);
    expect(events.filter((e) => e.type === 'delivery.updated').at(-1)!.data).toMatchObject({ status: 'canceled' });
    expect(events.at(-1)).toMatchObject({ type: 'job.progress', data: { final: true } });
  });

  it('keeps a delivery posted when its publication succeeded after the cancel was requested', async () => {
    const { delivery } = await h.seed();
    h.provider.script({ kind: 'delay', ms: 400 });
    const callsBefore = h.provider.calls().length;
    await h.enqueue(delivery);
    await h.startWorker();
    await h.provider.waitForCalls(callsBefore + 1);
    await requestCancel(delivery.id);

    const posted = await h.waitForStatus(delivery.id, ['posted', 'canceled']);
    expect(posted.status).toBe('posted');
    expect(h.provider.publications(delivery.id)).toHaveLength(1);
  });

  it("cancels, without publishing, a delivery whose cancel was requested before its worker died", async () => {
    const { delivery, userId, jobId } = await h.seed();
    await h.db.pool.query(
      `update deliveries set status = 'processing', claim_token = 'dead', claimed_at = now() - interval '1 minute',
         claim_expires_at = now() - interval '1 second', cancel_requested_at = now(), attempt_count = 1 where id = $1`,
      [delivery.id],
    );
    await h.db.pool.query(`insert into delivery_attempts (delivery_id, user_id, attempt_no, worker_id) values ($1, $2, 1, 'dead')`, [
      delivery.id,
      delivery.userId,
    ]);
    await h.enqueue(delivery);
    await h.startWorker();

    const job = await h.waitForJobState(delivery, 'completed');
    expect(job.returnvalue).toEqual({ outcome: 'skipped', reason: 'cancel_requested' });
    expect(await h.delivery(delivery.id)).toMatchObject({ status: 'canceled', claimToken: null, attemptCount: 1 });
    expect((await h.attempts(delivery)).map((a) => [a.outcome, a.outcomeUnknown])).toEqual([['abandoned', true]]);
    expect(h.provider.calls(delivery.id)).toHaveLength(0);
    expect(await findPostingJob(h.db.db, userId, jobId!)).toMatchObject({ status: 'completed' });
  });
});
