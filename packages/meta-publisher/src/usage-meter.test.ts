import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishDeferral } from '@autoposter/publisher';
import { createTestRedis, eventually, type TestRedis } from '@autoposter/testing';
import { UsageMeter } from './usage-meter.ts';

const MINUTE = 60_000;
const high = { percent: 95, regainAccessMs: 0 };
const low = { percent: 10, regainAccessMs: 0 };

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(() => redis.destroy());

const replica = (slowdownMs = 5 * MINUTE) => new UsageMeter({ thresholdPercent: 90, slowdownMs, redis: { client: redis.client, prefix: redis.prefix } });

describe('UsageMeter', () => {
  it('shares a high reading across replicas (Redis) until its wait is over, however often it is asked', async () => {
    const [a, b] = [replica(), replica()];
    a.record('page-1', high);
    const deferral = await eventually('the reading in Redis', () => b.deferral('page-1'), 2_000, 10);
    expect(deferral).toBeInstanceOf(PublishDeferral);
    expect(deferral.options).toEqual({ accountWide: true });
    expect(Math.abs(deferral.until.getTime() - (Date.now() + 5 * MINUTE))).toBeLessThan(2_000);
    expect(deferral.reason).toContain('95%');
    expect(await b.deferral('page-1')).toBeInstanceOf(PublishDeferral);
    expect(await a.deferral('page-1')).toBeInstanceOf(PublishDeferral);
    expect(await b.deferral('page-2')).toBeNull();
  });

  it("waits Meta's estimate when it gives one, even below the threshold", async () => {
    const meter = replica();
    meter.record('ig-1', { percent: 40, regainAccessMs: 2 * MINUTE });
    const deferral = await eventually('the reading', () => meter.deferral('ig-1'), 2_000, 10);
    expect(Math.abs(deferral.until.getTime() - (Date.now() + 2 * MINUTE))).toBeLessThan(2_000);
  });

  it('keeps the wait when a later answer reports less (it may carry other headers)', async () => {
    const [a, b] = [replica(), replica()];
    a.record('page-3', high);
    await eventually('the reading', () => b.deferral('page-3'), 2_000, 10);
    a.record('page-3', low);
    b.record('page-3', low);
    await sleep(50);
    expect(await b.deferral('page-3')).toBeInstanceOf(PublishDeferral);
  });

  it('forgets a reading once its wait is over', async () => {
    const meter = replica(150);
    meter.record('page-4', high);
    await eventually('the reading', () => meter.deferral('page-4'), 2_000, 10);
    await sleep(200);
    expect(await meter.deferral('page-4')).toBeNull();
    expect(await redis.client.exists(`${redis.prefix}:meta:usage:page-4`)).toBe(0);
  });

  it('keeps readings in memory without Redis', async () => {
    const meter = new UsageMeter({ thresholdPercent: 90, slowdownMs: 5 * MINUTE });
    meter.record('page-5', high);
    expect(await meter.deferral('page-5')).toBeInstanceOf(PublishDeferral);
    expect(await meter.deferral('page-5')).toBeInstanceOf(PublishDeferral);
    expect(await meter.deferral('page-6')).toBeNull();
  });
});
