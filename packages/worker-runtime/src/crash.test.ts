import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '@autoposter/publisher';
import { createTestPublisher, spawnWorkerProcess, type WorkerChild } from '@autoposter/testing';
import { WorkerHarness } from './test/worker-harness.ts';

/** Short locks: a dead worker's job is taken over within a few seconds. */
const LOCK_MS = 1_500;
const STALLED_INTERVAL_MS = 500;

describe('publish worker: crashes never lose a post nor publish it twice', () => {
  let h: WorkerHarness;
  let child: WorkerChild | undefined;
  beforeAll(async () => {
    h = await WorkerHarness.create();
  });
  afterEach(async () => {
    await child?.kill();
    child = undefined;
    await h.closeWorkers();
  });
  afterAll(() => h.close());


  /** A worker in its own process takes the delivery; it is SIGKILLed once the provider has the call. */
  async function killWorkerMidPublish() {
    const callsBefore = h.provider.calls().length;
    child = await spawnWorkerProcess({
      databaseUrl: h.db.url,
      redisUrl: h.redis.url,
      prefix: h.redis.prefix,
      queueName: 'meta',
      providerUrl: h.provider.url,
      keyring: h.keyring,
      lockDurationMs: LOCK_MS,
      stalledIntervalMs: STALLED_INTERVAL_MS,
      workerId: 'doomed-worker',
    });
    await h.provider.waitForCalls(callsBefore + 1, 15_000);
    expect(await child.kill('SIGKILL')).toBe('SIGKILL');
  }

  const startSurvivor = () =>
    h.startWorker({ workerId: 'survivor', config: { lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_INTERVAL_MS } });

  it('finishes a delivery whose worker died before the provider stored the post, publishing it once', async () => {
    const { delivery } = await h.seed();
    h.provider.script({ kind: 'hang' });
    await h.enqueue(delivery);
    await killWorkerMidPublish();
    expect((await h.delivery(delivery.id)).status).toBe('processing');

    await startSurvivor();
    const posted = await h.waitForStatus(delivery.id, 'posted', 15_000);

    expect(h.provider.publications(delivery.id)).toHaveLength(1);
    expect(posted.providerPostId).toBe(h.provider.publications(delivery.id)[0]!.id);
    const attempts = await h.attempts(posted);
    expect(attempts.map((a) => [a.workerId, a.outcome, a.outcomeUnknown])).toEqual([
      ['doomed-worker', 'abandoned', true],
      ['survivor', 'posted', false],
    ]);
    // It looked for the post before publishing again, found none, then published.
    expect(h.provider.lookups()).toBeGreaterThanOrEqual(1);
    expect(h.provider.calls(delivery.id)).toHaveLength(2);
  });

  it('adopts the post when the worker died after the provider accepted it: still one publication', async () => {
    const { delivery, userId, jobId } = await h.seed();
    h.provider.script({ kind: 'accept_then_hang' });
    await h.enqueue(delivery);
    await killWorkerMidPublish();
    expect(h.provider.publications(delivery.id)).toHaveLength(1);

    await startSurvivor();
    const posted = await h.waitForStatus(delivery.id, 'posted', 15_000);

    const [publication] = h.provider.publications(delivery.id);
    expect(h.provider.publications(delivery.id)).toHaveLength(1);
    expect(h.provider.calls(delivery.id)).toHaveLength(1);
    expect(posted).toMatchObject({ providerPostId: publication!.id, attemptCount: 2 });
    const attempts = await h.attempts(posted);
    expect(attempts.map((a) => a.outcome)).toEqual(['abandoned', 'posted']);
    expect(attempts[1]!.providerPostId).toBe(publication!.id);
    const messages = (await h.logs(posted)).map((l) => l.message);
    expect(messages).toContain('Adopted existing post: an earlier attempt had published it');
    const final = (await h.events(userId)).at(-1)!;
    expect(final).toMatchObject({ type: 'job.progress', job_id: jobId, data: { status: 'completed', final: true } });
  });

  it('hands an attempt that had begun publishing back on close, due once its lease would have run out', async () => {
    const { delivery } = await h.seed();
    h.provider.script({ kind: 'hang' });
    const callsBefore = h.provider.calls().length;
    await h.enqueue(delivery);
    const config = { lockDurationMs: LOCK_MS, shutdownGraceMs: 300 };
    const leaving = await h.startWorker({ workerId: 'leaving', config });
    await h.provider.waitForCalls(callsBefore + 1);
    await h.startWorker({ workerId: 'staying', config });

    const started = Date.now();
    await leaving.close();
    const released = await h.delivery(delivery.id);
    expect(released.status).toBe('queued');
    const posted = await h.waitForStatus(delivery.id, 'posted');
    // The hung call may still land: the next worker waits out the lease (not BullMQ's stall check), then looks first.
    expect(Date.now() - started).toBeLessThan(5_000);

    expect(h.provider.publications(delivery.id)).toHaveLength(1);
    const [first, second] = await h.attempts(posted);
    expect([first, second].map((a) => [a!.workerId, a!.outcome, a!.outcomeUnknown])).toEqual([
      ['leaving', 'abandoned', true],
      ['staying', 'posted', false],
    ]);
    expect(released.dueAt!.getTime() - first!.finishedAt!.getTime()).toBe(LOCK_MS);
    expect(second!.startedAt.getTime()).toBeGreaterThanOrEqual(released.dueAt!.getTime());
  });

  it('hands an attempt that never began publishing back on close, due at once', async () => {
    const { delivery } = await h.seed();
    // An earlier attempt's outcome is unknown, so the next one looks first; this worker's lookup never answers.
    await h.db.pool.query(`update deliveries set attempt_count = 1 where id = $1`, [delivery.id]);
    await h.db.pool.query(
      `insert into delivery_attempts (delivery_id, user_id, attempt_no, worker_id, outcome, outcome_unknown, finished_at)
       values ($1, $2, 1, 'gone', 'abandoned', true, now())`,
      [delivery.id, delivery.userId],
    );
    let lookupStarted!: () => void;
    const lookingUp = new Promise<void>((resolve) => (lookupStarted = resolve));
    const lookupHangs: Publisher = {
      ...createTestPublisher({ providerUrl: h.provider.url }),
      findExisting: (request) => {
        lookupStarted();
        return new Promise((_resolve, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason)));
      },
    };
    await h.enqueue(delivery);
    const longLock = { lockDurationMs: 30_000, shutdownGraceMs: 300 };
    const leaving = await h.startWorker({ workerId: 'leaving', config: longLock, publisher: lookupHangs });
    await lookingUp;
    await h.startWorker({ workerId: 'staying', config: longLock });

    const started = Date.now();
    await leaving.close();
    const posted = await h.waitForStatus(delivery.id, 'posted');
    expect(Date.now() - started).toBeLessThan(5_000);
    const attempts = await h.attempts(posted);
    expect(attempts.map((a) => [a.workerId, a.outcome, a.outcomeUnknown])).toEqual([
      ['gone', 'abandoned', true],
      ['leaving', 'abandoned', false],
      ['staying', 'posted', false],
    ]);
    expect(h.provider.publications(delivery.id)).toHaveLength(1);
  });
});
