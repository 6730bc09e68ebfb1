import { describe, expect, it } from 'vitest';
import { findPostingJob } from '@autoposter/db/repositories/posting-jobs';
import { WorkerHarness, sleep, withWorkerHarness } from './test/worker-harness.ts';

describe('publish worker: delivery state machine', () => {
  let h: WorkerHarness;
  withWorkerHarness((harness) => (h = harness));


  it('publishes a queued delivery: attempt, logs, events and the posting job', async () => {
    const { delivery, userId, jobId } = await h.seed();
    await h.enqueue(delivery);
    await h.startWorker({ workerId: 'worker-a' });

    const posted = await h.waitForStatus(delivery.id, 'posted');
    const [publication] = h.provider.publications(delivery.id);
    expect(publication).toBeDefined();
    expect(posted).toMatchObject({ providerPostId: publication!.id, permalink: expect.stringContaining(publication!.id), attemptCount: 1, claimToken: null });
    expect(posted.postedAt).toBeInstanceOf(Date);
    // The publisher got decrypted credentials; nothing else ever shows them.
    expect(publication!.credential).toBe('secret-page-token');

    const attempts = await h.attempts(posted);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attemptNo: 1, outcome: 'posted', workerId: 'worker-a', providerPostId: publication!.id, outcomeUnknown: false });
    expect(attempts[0]!.providerState).toEqual({ step: 'submitting', attempt_no: 1 });

    const logs = await h.logs(posted);
    expect(logs.map((l) => [l.level, l.message, l.attemptNo])).toEqual([
      ['INFO', 'Submitting the post to the fake provider', 1],
      ['INFO', 'Published', 1],
    ]);

    const job = await findPostingJob(h.db.db, userId, jobId!);
    expect(job).toMatchObject({ status: 'completed', completedPosts: 1, failedPosts: 0 });

    const events = await h.events(userId);
    expect(events.map((e) => [e.type, e.data.status ?? null, e.data.final ?? false])).toEqual([
      ['delivery.updated', 'processing', false],
      ['job.progress', 'running', false],
      ['delivery.updated', 'posted', false],
      ['job.progress', 'completed', true],
    ]);
    expect(events.every((e) => e.job_id === jobId)).toBe(true);
    expect(events[2]!.data).toMatchObject({ id: delivery.id, post_id: delivery.postId, provider_post_id: publication!.id, attempt_count: 1 });
    expect(events[3]!.data).toMatchObject({ job_id: jobId, completed_posts: 1, progress_percentage: 100 });
    expect(JSON.stringify({ events, logs })).not.toContain('secret-page-token');

    const bullJob = await h.waitForJobState(delivery, 'completed');
    expect(bullJob.data).toEqual({ delivery_id: delivery.id, run: 0 });
    expect(bullJob.returnvalue).toEqual({ outcome: 'posted' });
  });

  it('retries a temporary failure at next_attempt_at, honouring a longer retry-after, then posts', async () => {
    const { delivery } = await h.seed();
    h.provider.script({ kind: 'fail', type: 'provider_unavailable', retryAfterMs: 700 });
    await h.enqueue(delivery);
    await h.startWorker();

    const retrying = await h.waitForStatus(delivery.id, 'retrying');
    expect(retrying).toMatchObject({ lastErrorType: 'provider_unavailable', attemptCount: 1, claimToken: null });
    expect(retrying.nextAttemptAt).toEqual(retrying.dueAt);

    const posted = await h.waitForStatus(delivery.id, 'posted');
    expect(posted).toMatchObject({ attemptCount: 2, lastErrorType: null, nextAttemptAt: null });
    const [first, second] = await h.attempts(posted);
    expect(first).toMatchObject({ outcome: 'retrying', errorType: 'provider_unavailable', errorCode: '503', outcomeUnknown: false });
    expect(retrying.nextAttemptAt!.getTime() - first!.finishedAt!.getTime()).toBeGreaterThanOrEqual(650);
    expect(second!.startedAt.getTime()).toBeGreaterThanOrEqual(retrying.nextAttemptAt!.getTime());
    expect(second).toMatchObject({ outcome: 'posted' });
    // The retry resumed from the state the first attempt saved.
    expect(h.provider.publications(delivery.id)[0]!.saved_state).toEqual({ step: 'submitting', attempt_no: 1 });
    // A failure known not to have reached the provider needs no lookup.
    expect(h.provider.lookups()).toBe(0);
  });

  it('fails a permanent error at once, with its screenshot, and never calls again', async () => {
    const { delivery, userId, jobId } = await h.seed();
    h.provider.script({ kind: 'fail', type: 'validation_error', message: 'Price is required', screenshot: true });
    await h.enqueue(delivery);
    await h.startWorker();

    const failed = await h.waitForStatus(delivery.id, 'failed');
    expect(failed).toMatchObject({ lastErrorType: 'validation_error', lastErrorMessage: 'Price is required', lastErrorCode: '400' });
    const [attempt] = await h.attempts(failed);
    expect(attempt).toMatchObject({ outcome: 'failed', errorType: 'validation_error', errorMessage: 'Price is required' });
    expect(attempt!.stackTrace).toContain('PublishError');
    expect(attempt!.screenshotArtifactId).toEqual(expect.any(String));

    const bullJob = await h.waitForJobState(delivery, 'failed');
    expect(bullJob.attemptsMade).toBe(1);
    expect(h.provider.calls(delivery.id)).toHaveLength(1);
    expect(await findPostingJob(h.db.db, userId, jobId!)).toMatchObject({ status: 'failed', failedPosts: 1 });
    const last = (await h.events(userId)).at(-1)!;
    expect(last).toMatchObject({ type: 'job.progress', data: { status: 'failed', final: true } });
  });

  it('fails once the run has used all its attempts', async () => {
    const { delivery } = await h.seed();
    h.provider.script(...Array.from({ length: 3 }, () => ({ kind: 'fail' as const, type: 'network_error' as const })));
    await h.enqueue(delivery);
    await h.startWorker();

    const failed = await h.waitForStatus(delivery.id, 'failed');
    expect(failed).toMatchObject({ attemptCount: 3, lastErrorType: 'network_error' });
    expect((await h.attempts(failed)).map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'failed']);
    expect(h.provider.calls(delivery.id)).toHaveLength(3);
    await h.waitForJobState(delivery, 'failed');
  });

  it('aborts an attempt that runs past the publish timeout, then looks before publishing again', async () => {
    const { delivery } = await h.seed();
    h.provider.script({ kind: 'hang' });
    const lookupsBefore = h.provider.lookups();
    await h.enqueue(delivery);
    await h.startWorker({ config: { publishTimeoutMs: 300 } });

    const posted = await h.waitForStatus(delivery.id, 'posted');
    const [first, second] = await h.attempts(posted);
    expect(first).toMatchObject({ outcome: 'retrying', errorType: 'network_error', outcomeUnknown: true });
    expect(second).toMatchObject({ outcome: 'posted' });
    expect(h.provider.lookups()).toBe(lookupsBefore + 1);
    expect(h.provider.publications(delivery.id)).toHaveLength(1);
  });

  it('gives a call that timed out as long again to land, and adopts it instead of publishing twice', async () => {
    const { delivery } = await h.seed();
    // The provider stores the post 450 ms after the call, long after the runtime stopped waiting
    // (300 ms) and aborted the request: aborting does not stop the server.
    h.provider.script({ kind: 'delay', ms: 450 });
    await h.enqueue(delivery);
    await h.startWorker({ config: { publishTimeoutMs: 300 } });

    const posted = await h.waitForStatus(delivery.id, 'posted');
    const [first, second] = await h.attempts(posted);
    expect(first).toMatchObject({ outcome: 'retrying', errorType: 'network_error', outcomeUnknown: true });
    // The configured wait is 50 ms; the retry waited the publish timeout instead.
    expect(second!.startedAt.getTime() - first!.finishedAt!.getTime()).toBeGreaterThanOrEqual(280);
    expect(h.provider.publications(delivery.id)).toHaveLength(1);
    expect(posted.providerPostId).toBe(h.provider.publications(delivery.id)[0]!.id);
    expect((await h.logs(posted)).map((line) => line.message)).toContain('Adopted existing post: an earlier attempt had published it');
  });

  it('never takes over a live claim because its own lock is shorter than the holder\'s', async () => {
    const { delivery } = await h.seed();
    h.provider.script({ kind: 'hang' });
    const callsBefore = h.provider.calls().length;
    await h.enqueue(delivery);
    await h.startWorker({ workerId: 'long-lock', config: { lockDurationMs: 10_000, concurrency: 1 } });
    await h.provider.waitForCalls(callsBefore + 1);
    const held = await h.delivery(delivery.id);

    // A second job for the same run (a stalled job's copy, a dispatch pass) reaches a worker with a short lock.
    await h.startWorker({ workerId: 'short-lock', config: { lockDurationMs: 300, stalledIntervalMs: 300 } });
    const copy = await h.queue('meta').add('publish-delivery', { delivery_id: delivery.id, run: delivery.run }, { jobId: `copy-${delivery.id}` });
    await expect.poll(() => copy.getState()).toBe('delayed');
    await sleep(1_000);
    expect(h.provider.calls(delivery.id)).toHaveLength(1);
    expect(await h.delivery(delivery.id)).toMatchObject({ status: 'processing', claimToken: held.claimToken });

    h.provider.release();
    await h.waitForStatus(delivery.id, 'posted');
    await copy.promote();
    await expect.poll(async () => (await h.queue('meta').getJob(copy.id!))?.returnvalue, { timeout: 5_000 }).toEqual({
      outcome: 'skipped',
      reason: 'delivery_posted',
    });
    expect(h.provider.publications(delivery.id)).toHaveLength(1);
  });

  it('records nothing when its claim was taken over during the publish call, and says so in the service log', async () => {
    const { delivery } = await h.seed();
    h.provider.script({ kind: 'hang' });
    const callsBefore = h.provider.calls().length;
    await h.enqueue(delivery);
    const worker = await h.startWorker({ config: { concurrency: 1 } });
    await h.provider.waitForCalls(callsBefore + 1);
    // Another worker's takeover, as the database sees it: a new claim token.
    await h.db.pool.query(`update deliveries set claim_token = 'someone-else' where id = $1`, [delivery.id]);

    h.provider.release();
    await expect.poll(() => worker.logs.some((line) => line.includes('another worker took over its claim')), { timeout: 5_000 }).toBe(true);
    const line = JSON.parse(worker.logs.find((l) => l.includes('another worker took over its claim'))!);
    expect(line).toMatchObject({ level: 'warn', delivery_id: delivery.id, attempt_no: 1 });
    expect(await h.delivery(delivery.id)).toMatchObject({ status: 'processing', claimToken: 'someone-else' });
  });

  it('never publishes a delivery canceled while its job waited in Redis', async () => {
    const { delivery } = await h.seed();
    await h.enqueue(delivery);
    await h.db.pool.query(`update deliveries set status = 'canceled' where id = $1`, [delivery.id]);
    await h.startWorker();

    const job = await h.waitForJobState(delivery, 'completed');
    expect(job.returnvalue).toEqual({ outcome: 'skipped', reason: 'delivery_canceled' });
    expect(h.provider.calls(delivery.id)).toHaveLength(0);
    expect((await h.delivery(delivery.id)).status).toBe('canceled');
  });

  it('never publishes for a job of a replaced run', async () => {
    const { delivery } = await h.seed();
    await h.enqueue(delivery);
    await h.db.pool.query(`update deliveries set run = run + 1 where id = $1`, [delivery.id]);
    await h.startWorker();

    const job = await h.waitForJobState(delivery, 'completed');
    expect(job.returnvalue).toEqual({ outcome: 'skipped', reason: 'run_replaced' });
    expect(h.provider.calls(delivery.id)).toHaveLength(0);
    expect((await h.delivery(delivery.id)).status).toBe('queued');
  });

  it('does not publish a rescheduled delivery before its new due time', async () => {
    const { delivery } = await h.seed();
    await h.enqueue(delivery);
    const dueAt = new Date(Date.now() + 1_500);
    await h.db.pool.query(`update deliveries set status = 'scheduled', due_at = $2 where id = $1`, [delivery.id, dueAt]);
    await h.startWorker();

    await h.waitForJobState(delivery, 'delayed');
    await sleep(500);
    expect(h.provider.calls(delivery.id)).toHaveLength(0);
    expect((await h.delivery(delivery.id)).status).toBe('scheduled');

    const posted = await h.waitForStatus(delivery.id, 'posted');
    const [attempt] = await h.attempts(posted);
    expect(attempt!.startedAt.getTime()).toBeGreaterThanOrEqual(dueAt.getTime());
    // Only the run that published counted: coming early did not use an attempt.
    expect((await h.waitForJobState(delivery, 'completed')).attemptsMade).toBe(1);
  });
});
