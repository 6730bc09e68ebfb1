import { describe, expect, it } from 'vitest';
import { schema } from '@autoposter/db';
import { MAX_RETRY_AFTER_MS, PublishError, type Publisher } from '@autoposter/publisher';
import { createTestPublisher } from '@autoposter/testing';
import { WorkerHarness, withWorkerHarness } from './test/worker-harness.ts';

// A failure the database cannot store as it is must still end its attempt with an error:
// otherwise the delivery stays processing, silently, and is published again and again.
describe('failures whose details the database would refuse', () => {
  let h: WorkerHarness;
  withWorkerHarness((harness) => (h = harness));

  it('records a provider message carrying a NUL character, and fails once', async () => {
    const { delivery } = await h.seed();
    h.provider.script({ kind: 'fail', type: 'validation_error', message: 'bad \u0000 byte' });
    await h.enqueue(delivery);
    await h.startWorker();

    const failed = await h.waitForStatus(delivery.id, 'failed');
    expect(failed).toMatchObject({ lastErrorType: 'validation_error', lastErrorMessage: 'bad \uFFFD byte', attemptCount: 1 });
    const [attempt] = await h.attempts(failed);
    expect(attempt).toMatchObject({ outcome: 'failed', errorType: 'validation_error', errorMessage: 'bad \uFFFD byte' });
    expect(h.provider.calls(delivery.id)).toHaveLength(1);
  });

  it('caps a retry-after past any sane wait instead of failing on the date', async () => {
    const { delivery, account } = await h.seed();
    h.provider.script({ kind: 'fail', type: 'rate_limit', retryAfterMs: 1e20 });
    await h.enqueue(delivery);
    await h.startWorker();

    const retrying = await h.waitForStatus(delivery.id, 'retrying');
    const latest = Date.now() + MAX_RETRY_AFTER_MS;
    expect(retrying.nextAttemptAt!.getTime()).toBeLessThanOrEqual(latest);
    expect(retrying.nextAttemptAt!.getTime()).toBeGreaterThan(latest - 60_000);
    const { rows } = await h.db.pool.query<{ cooldown_until: Date }>('select cooldown_until from accounts where id = $1', [account.id]);
    expect(rows[0]!.cooldown_until.getTime()).toBeLessThanOrEqual(latest);
  });

  it('records an error type outside the contract as unknown', async () => {
    const { delivery } = await h.seed();
    const odd: Publisher = {
      ...createTestPublisher({ providerUrl: h.provider.url }),
      async publish() {
        throw new PublishError('not_a_type' as never, 'the publisher made up a type');
      },
    };
    await h.enqueue(delivery);
    await h.startWorker({ publisher: odd });

    const retrying = await h.waitForStatus(delivery.id, 'retrying');
    expect(retrying).toMatchObject({ lastErrorType: 'unknown', lastErrorMessage: 'the publisher made up a type' });
    // Settled here, so its retry cannot reach the next test's worker and take the fault scripted there.
    await h.db.pool.query(`update deliveries set status = 'failed' where id = $1`, [delivery.id]);
  });

  it('records the failure without its details when the database refuses them', async () => {
    // The database itself refuses the screenshot (as a full disk or a broken constraint would).
    await h.db.pool.query(`
      create function refuse_artifacts() returns trigger language plpgsql as $$
      begin raise exception 'artifacts are refused in this test'; end $$;
      create trigger refuse_artifacts before insert on artifacts for each row execute function refuse_artifacts();`);
    try {
      const { delivery } = await h.seed();
      h.provider.script({ kind: 'fail', type: 'ui_changed', message: 'the Publish button moved', screenshot: true });
      await h.enqueue(delivery);
      const worker = await h.startWorker();

      const failed = await h.waitForStatus(delivery.id, 'failed');
      expect(failed).toMatchObject({ lastErrorType: 'ui_changed', lastErrorMessage: "the Publish button moved (the error's details could not be recorded)" });
      const [attempt] = await h.attempts(failed);
      expect(attempt).toMatchObject({ outcome: 'failed', errorType: 'ui_changed', screenshotArtifactId: null, stackTrace: null });
      expect(h.provider.calls(delivery.id)).toHaveLength(1);
      const [logged] = worker.logs.filter((line) => line.includes('could not record the failure'));
      // The database's error, not the query around it with every parameter (the screenshot's bytes).
      expect(logged).toContain('artifacts are refused in this test');
      expect(logged).not.toContain('Failed query');
      expect(logged).not.toContain('params');
      expect(worker.logs.filter((line) => line.includes('Attempt 1 failed'))).toHaveLength(1);
    } finally {
      await h.db.pool.query('drop trigger refuse_artifacts on artifacts; drop function refuse_artifacts()');
    }
  });

  it('records a provider post id that is not a string as text', async () => {
    const { delivery } = await h.seed();
    const numeric: Publisher = {
      ...createTestPublisher({ providerUrl: h.provider.url }),
      async publish() {
        return { providerPostId: 12345 as unknown as string, permalink: null };
      },
    };
    await h.enqueue(delivery);
    await h.startWorker({ publisher: numeric });

    expect(await h.waitForStatus(delivery.id, 'posted')).toMatchObject({ providerPostId: '12345', permalink: null });
  });

  it('stops publishing a run whose attempts keep ending unrecorded, after looking for the post', async () => {
    const { delivery } = await h.seed();
    // What a crash loop leaves: six claims of this run (twice the test budget of 3), the last
    // attempt still marked running by a worker that is gone.
    await h.db.pool.query('update deliveries set attempt_count = 6 where id = $1', [delivery.id]);
    await h.db.db.insert(schema.deliveryAttempts).values({ deliveryId: delivery.id, userId: delivery.userId, attemptNo: 6, workerId: 'gone' });
    await h.enqueue(delivery);
    await h.startWorker();

    const failed = await h.waitForStatus(delivery.id, 'failed');
    expect(failed.lastErrorType).toBe('unknown');
    expect(failed.lastErrorMessage).toMatch(/^Gave up after 6 attempts of this run, more than twice the 3 allowed/);
    expect(h.provider.lookups()).toBe(1);
    expect(h.provider.calls(delivery.id)).toHaveLength(0);
    const attempts = await h.attempts(failed);
    expect(attempts.map((a) => [a.attemptNo, a.outcome])).toEqual([
      [6, 'abandoned'],
      [7, 'failed'],
    ]);
  });
});
