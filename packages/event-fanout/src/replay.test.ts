import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, eventStreamKey } from '@autoposter/queue';
import { createTestRedis, type TestRedis } from '@autoposter/testing';
import { checkRetention } from './replay.ts';

let redis: TestRedis;
let prefix: string;
let stream: string;

beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => {
  await redis.destroy();
});

/** Each test on a stream of its own. */
let streams = 0;
function freshStream() {
  prefix = `${redis.prefix}:s${++streams}`;
  stream = eventStreamKey(prefix);
}

/** Appends `count` events and answers their ids, oldest first. */
async function appendSome(count: number): Promise<string[]> {
  const events = Array.from({ length: count }, (_, n) => ({ type: 'delivery.updated' as const, user_id: 'u', data: { n } }));
  await appendEvents(redis.client, prefix, events);
  return (await redis.client.xrange(stream, '-', '+')).map(([id]) => id).slice(-count);
}

describe('checkRetention', () => {
  it('answers not truncated, with no oldest event, for a stream that does not exist yet', async () => {
    freshStream();
    expect(await checkRetention(redis.client, prefix, '1-0')).toEqual({ truncated: false, oldestId: null });
  });

  it('never counts a stream that was never trimmed as truncated, whatever the id', async () => {
    freshStream();
    const ids = await appendSome(3);
    for (const lastId of ['0-0', ids[0]!, ids[2]!, `${Date.now() + 60_000}-0`]) {
      expect(await checkRetention(redis.client, prefix, lastId), lastId).toEqual({ truncated: false, oldestId: ids[0] });
    }
  });

  it('after a trim: an id older than the oldest kept is truncated; the oldest kept itself and newer ids are not', async () => {
    freshStream();
    const ids = await appendSome(5);
    await redis.client.xtrim(stream, 'MAXLEN', 3);
    const oldestKept = ids[2]!;
    // The last id trimmed: the event after it is kept, but the check cannot tell it from an older id.
    expect(await checkRetention(redis.client, prefix, ids[1]!)).toEqual({ truncated: true, oldestId: oldestKept });
    expect(await checkRetention(redis.client, prefix, ids[0]!)).toEqual({ truncated: true, oldestId: oldestKept });
    expect(await checkRetention(redis.client, prefix, '0-0')).toEqual({ truncated: true, oldestId: oldestKept });
    expect(await checkRetention(redis.client, prefix, oldestKept)).toEqual({ truncated: false, oldestId: oldestKept });
    expect(await checkRetention(redis.client, prefix, ids[4]!)).toEqual({ truncated: false, oldestId: oldestKept });
  });

  it('on a stream trimmed empty: only the last id it ever had is not truncated', async () => {
    freshStream();
    const ids = await appendSome(3);
    await redis.client.xtrim(stream, 'MAXLEN', 0);
    expect(await redis.client.xlen(stream)).toBe(0);
    expect(await checkRetention(redis.client, prefix, ids[1]!)).toEqual({ truncated: true, oldestId: null });
    expect(await checkRetention(redis.client, prefix, ids[2]!)).toEqual({ truncated: false, oldestId: null });
  });
});
