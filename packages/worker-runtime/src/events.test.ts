import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { insertPostingJob } from '@autoposter/testing';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection, eventStreamKey } from '@autoposter/queue';
import { connectionForEvents, deliveryUpdated, EventPublisher, jobProgress } from './events.ts';
import { WorkerHarness, withWorkerHarness } from './test/worker-harness.ts';

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'events-test', level: 'warn', destination }) };
}

describe('publish worker: events are appended after the commit, best effort', () => {
  let h: WorkerHarness;
  withWorkerHarness((harness) => (h = harness));

  it('records a publication even when the event stream refuses every append', async () => {
    const stream = eventStreamKey(h.redis.prefix);
    await h.redis.client.set(stream, 'not a stream'); // every XADD now fails with WRONGTYPE
    try {
      const { delivery, userId } = await h.seed();
      await h.enqueue(delivery);
      const worker = await h.startWorker();

      const posted = await h.waitForStatus(delivery.id, 'posted');
      expect((await h.waitForJobState(posted, 'completed')).returnvalue).toEqual({ outcome: 'posted' });
      expect(h.provider.publications(delivery.id)).toHaveLength(1);
      expect((await h.attempts(posted)).map((a) => a.outcome)).toEqual(['posted']);
      expect(worker.logs.some((line) => line.includes('could not append events to the stream'))).toBe(true);
      await h.redis.client.del(stream);
      expect(await h.events(userId)).toEqual([]);
    } finally {
      await h.redis.client.del(stream);
    }
  });

  it('gives up on a send within seconds while Redis is unreachable, instead of waiting forever', async () => {
    // The worker connection retries forever; the events connection made from it must not.
    const unreachable = createRedisConnection('redis://127.0.0.1:1', 'worker', { retryStrategy: () => 200 });
    unreachable.on('error', () => undefined);
    const eventConnection = connectionForEvents(unreachable);
    const { lines, logger } = capturingLogger();
    try {
      const { delivery } = await h.seed();
      const started = Date.now();
      const events = new EventPublisher(eventConnection, h.redis.prefix, logger);
      events.send([deliveryUpdated(delivery), deliveryUpdated(delivery)]);
      await events.drain();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(lines.join('')).toContain('could not append events to the stream');
    } finally {
      eventConnection.disconnect();
      unreachable.disconnect();
    }
  });

  it('keeps the order of events sent one after another while Redis has to load the script again', async () => {
    const { userId, delivery } = await h.seed({ withJob: false });
    const { logger } = capturingLogger();
    const events = new EventPublisher(h.redis.client, h.redis.prefix, logger);
    await h.redis.client.script('FLUSH'); // as after a Redis restart: EVALSHA answers NOSCRIPT

    for (let n = 1; n <= 30; n++) {
      events.send([deliveryUpdated({ ...delivery, attemptCount: n })]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await events.drain();

    const appended = await h.events(userId);
    expect(appended.map((e) => e.data.attempt_count)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it("drops a job's progress event older than one its stream already has, so `final` stays last", async () => {
    const { userId, delivery } = await h.seed({ withJob: false });
    const job = await insertPostingJob(h.db.db, userId, [delivery]);
    const running = { ...job, status: 'running' as const };
    const final = { ...job, status: 'completed' as const, completedPosts: 1, completedAt: new Date() };
    const { logger } = capturingLogger();
    const events = new EventPublisher(h.redis.client, h.redis.prefix, logger);

    // Two workers append after their commits, the later commit first.
    events.send([jobProgress(final)]);
    events.send([jobProgress(running), deliveryUpdated({ ...delivery, postingJobId: job.id })]);
    await events.drain();

    const appended = await h.events(userId);
    expect(appended.map((e) => [e.type, e.data.status, e.data.final ?? false])).toEqual([
      ['job.progress', 'completed', true],
      ['delivery.updated', 'queued', false],
    ]);
  });
});
