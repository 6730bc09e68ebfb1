import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryJobId } from '@autoposter/queue';
import { createTestRedis, type TestRedis } from '@autoposter/testing';
import { createPublishQueues, enqueueDeliveries, type PublishQueues } from './publish-queues.ts';

let redis: TestRedis;
let queues: PublishQueues;

beforeAll(async () => {
  redis = await createTestRedis();
  queues = createPublishQueues(redis.client, redis.prefix);
});
afterAll(async () => {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
  await redis.destroy();
});

describe('publish queues', () => {
  it('store a job with ids only and no per-job retention, and keep BullMQ event stream short', async () => {
    const delivery = { id: randomUUID(), run: 3, channel: 'facebook_page' as const, dueAt: new Date(Date.now() + 60_000) };
    await enqueueDeliveries(queues, [delivery], { maxAttempts: 5, now: new Date() });

    const stored = await redis.client.hgetall(`${redis.prefix}:meta:${deliveryJobId(delivery.id, delivery.run)}`);
    expect(JSON.parse(stored.data!)).toEqual({ delivery_id: delivery.id, run: 3 });
    const opts = JSON.parse(stored.opts!) as Record<string, unknown>;
    expect(opts).toMatchObject({ attempts: 5, backoff: { type: 'custom' } });
    expect(opts).not.toHaveProperty('removeOnComplete');
    expect(opts).not.toHaveProperty('removeOnFail');
    expect(await redis.client.hget(`${redis.prefix}:meta:meta`, 'opts.maxLenEvents')).toBe('1000');
  });
});
