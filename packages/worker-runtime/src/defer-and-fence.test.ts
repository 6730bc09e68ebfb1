import { describe, expect, it } from 'vitest';
import { PublishDeferral, type Publisher, type PublishRequest } from '@autoposter/publisher';
import { WorkerHarness, sleep, withWorkerHarness } from './test/worker-harness.ts';

/** A publisher whose publish call the test writes. */
function scriptedPublisher(publish: (request: PublishRequest, call: number) => Promise<{ providerPostId: string }>): Publisher & { calls: number } {
  const publisher = {
    channels: ['facebook_page', 'instagram'] as const,
    calls: 0,
    publish: (request: PublishRequest) => publish(request, ++publisher.calls),
    findExisting: async () => null,
  };
  return publisher;
}

describe('publish worker: waits a publisher asks for, and the cancel fence', () => {
  let h: WorkerHarness;
  withWorkerHarness((harness) => (h = harness));

  it('puts a deferred delivery back until the time asked, without using an attempt, and cools the account down', async () => {
    const { delivery, account } = await h.seed();
    const until = new Date(Date.now() + 400);
    const publisher = scriptedPublisher(async (_request, call) => {
      if (call === 1) throw new PublishDeferral(until, 'the publishing quota is full', { accountWide: true });
      return { providerPostId: 'post-1' };
    });
    await h.enqueue(delivery, 1);
    await h.startWorker({ publisher, config: { retry: { maxAttempts: 1, delaysMs: [50] } } });

    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    expect(publisher.calls).toBe(2);
    const attempts = await h.attempts(posted);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['deferred', 'posted']);
    expect(attempts[1]!.startedAt.getTime()).toBeGreaterThanOrEqual(until.getTime());
    const logs = (await h.logs(posted)).map((line) => line.message);
    expect(logs).toContain(`Waiting until ${until.toISOString()}: the publishing quota is full (no attempt used)`);
    const { rows } = await h.db.pool.query('select cooldown_until from accounts where id = $1', [account.id]);
    expect(rows[0].cooldown_until.getTime()).toBe(until.getTime());
  });

  it('refuses to publish once the delivery was canceled, and ends it canceled', async () => {
    const { delivery } = await h.seed();
    let fenceSaid = '';
    const publisher = scriptedPublisher(async (request) => {
      await h.db.pool.query('update deliveries set cancel_requested_at = now() where id = $1', [request.deliveryId]);
      await request.assertStillWanted().catch((err: Error) => {
        fenceSaid = err.message;
        throw err;
      });
      return { providerPostId: 'should-not-happen' };
    });
    await h.enqueue(delivery);
    await h.startWorker({ publisher });

    const canceled = await h.waitForStatus(delivery.id, ['canceled', 'posted', 'failed']);
    expect(canceled.status).toBe('canceled');
    expect(fenceSaid).toBe('Not published: the delivery was canceled before the publishing call');
    await sleep(200);
    expect(publisher.calls).toBe(1);
  });

  it('lets a delivery still wanted through the fence', async () => {
    const { delivery } = await h.seed();
    const publisher = scriptedPublisher(async (request) => {
      await request.assertStillWanted();
      return { providerPostId: '1000_2000' };
    });
    await h.enqueue(delivery);
    await h.startWorker({ publisher });
    expect(await h.waitForStatus(delivery.id, ['posted', 'failed', 'canceled'])).toMatchObject({ status: 'posted', providerPostId: '1000_2000' });
  });
});
