import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '@autoposter/testing';
import { appendEvents, eventStreamKey, readEvents, type PlatformEvent } from './event-stream.ts';

describe('event stream', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await createTestRedis();
  });
  afterAll(() => redis.destroy());

  it('appends events in order in one call and reads them back after an id', async () => {
    const events: PlatformEvent[] = [1, 2, 3].map((n) => ({ type: 'delivery.updated', user_id: 'u1', job_id: n === 2 ? null : 'j1', data: { n } }));
    expect(await appendEvents(redis.client, redis.prefix, events)).toEqual([null, null, null]);

    const stored = await readEvents(redis.client, redis.prefix, { afterId: '0' });
    expect(stored.map(({ id: _, ...event }) => event)).toEqual(events);
    expect(await readEvents(redis.client, redis.prefix, { afterId: stored[0]!.id })).toEqual(stored.slice(1));
  });

  it('reports the events Redis refused, one by one', async () => {
    const key = eventStreamKey(`${redis.prefix}:broken`);
    await redis.client.set(key, 'not a stream');
    const errors = await appendEvents(redis.client, `${redis.prefix}:broken`, [{ type: 'job.progress', user_id: 'u1', data: {} }]);
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringContaining('WRONGTYPE') })]);
  });
});
