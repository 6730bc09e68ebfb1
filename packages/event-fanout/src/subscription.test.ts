import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, eventStreamKey, readEvents, type PlatformEvent, type StoredEvent } from '@autoposter/queue';
import { createTestRedis, type TestRedis } from '@autoposter/testing';
import { FanoutHub } from './fanout-hub.ts';
import { Subscription } from './subscription.ts';

let redis: TestRedis;
let prefix: string;

beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => {
  await redis.destroy();
});

/** Each test on a stream of its own. */
let streams = 0;
const freshStream = () => (prefix = `${redis.prefix}:s${++streams}`);

const alice = 'alice';
const event = (n: number, userId = alice): PlatformEvent => ({ type: 'delivery.updated', user_id: userId, data: { n } });

/** What the stream follower does: appends events, then reads them back and publishes them to the hub. */
async function appendAndPublish(hub: FanoutHub, ...numbers: number[]): Promise<void> {
  const before = (await redis.client.xrevrange(eventStreamKey(prefix), '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
  await appendEvents(redis.client, prefix, numbers.map((n) => event(n)));
  hub.publish(await readEvents(redis.client, prefix, { afterId: before }));
}

async function lastId(): Promise<string> {
  return (await redis.client.xrevrange(eventStreamKey(prefix), '+', '-', 'COUNT', 1))[0]![0];
}

/**
 * The test Redis client, with `hooks.beforeRead` run before the replay's XREAD reaches Redis
 * and `hooks.afterRead` after its answer came, before the subscription sees the answer.
 */
function withReplayHooks(hooks: { beforeRead?: () => Promise<void>; afterRead?: () => Promise<void> }): Redis {
  const client = redis.client;
  return new Proxy(client, {
    get(target, property) {
      if (property === 'xread') {
        return async (...args: unknown[]) => {
          await hooks.beforeRead?.();
          const answer: unknown = await (target.xread as (...a: unknown[]) => Promise<unknown>)(...args);
          await hooks.afterRead?.();
          return answer;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Runs `action` on the first call only (the replay reads once more when a page is full). */
function once(action: () => Promise<void>): () => Promise<void> {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await action();
  };
}

function subscribe(hub: FanoutHub, client: Redis, lastEventId?: string, options: { maxHeld?: number; onOverflow?: () => void } = {}) {
  const delivered: StoredEvent[] = [];
  const subscription = new Subscription({ hub, redis: client, prefix, userId: alice, lastEventId, deliver: (e) => delivered.push(e), ...options });
  return { subscription, delivered, numbers: () => delivered.map((e) => e.data.n) };
}

describe('Subscription: the seam between replay and live events', () => {
  it('sends an event both replayed and published while the replay read waits once, in order', async () => {
    freshStream();
    const hub = new FanoutHub();
    await appendEvents(redis.client, prefix, [event(1), event(2)]);
    const seen = await lastId();
    await appendEvents(redis.client, prefix, [event(3), event(4)]);
    // Events 5 and 6 reach the stream before the replay reads it, and the hub at the same time:
    // the replay and the held live events both have them.
    const { subscription, delivered, numbers } = subscribe(hub, withReplayHooks({ beforeRead: once(() => appendAndPublish(hub, 5, 6)) }), seen);
    await subscription.ready;
    expect(numbers()).toEqual([3, 4, 5, 6]);
    await appendAndPublish(hub, 7);
    expect(numbers()).toEqual([3, 4, 5, 6, 7]);
    expect(new Set(delivered.map((e) => e.id)).size).toBe(delivered.length);
    subscription.close();
  });

  it('sends events published after the replay read, before the replay was sent, after the replay', async () => {
    freshStream();
    const hub = new FanoutHub();
    await appendEvents(redis.client, prefix, [event(1)]);
    const seen = await lastId();
    await appendEvents(redis.client, prefix, [event(2), event(3)]);
    // Events 4 and 5 come after the replay's last read: only the hub has them, while the replay
    // still has 2 and 3 to send.
    const { subscription, numbers } = subscribe(hub, withReplayHooks({ afterRead: once(() => appendAndPublish(hub, 4, 5)) }), seen);
    await subscription.ready;
    expect(numbers()).toEqual([2, 3, 4, 5]);
    await appendAndPublish(hub, 6);
    expect(numbers()).toEqual([2, 3, 4, 5, 6]);
    subscription.close();
  });

  it("sends only its user's events, replayed and live", async () => {
    freshStream();
    const hub = new FanoutHub();
    await appendEvents(redis.client, prefix, [event(1)]);
    const seen = await lastId();
    await appendEvents(redis.client, prefix, [event(2), event(-2, 'bob')]);
    const { subscription, delivered } = subscribe(hub, redis.client, seen);
    await subscription.ready;
    await appendEvents(redis.client, prefix, [event(-3, 'bob'), event(3)]);
    hub.publish(await readEvents(redis.client, prefix, { afterId: seen }));
    expect(delivered.map((e) => [e.user_id, e.data.n])).toEqual([
      [alice, 2],
      [alice, 3],
    ]);
    subscription.close();
  });

  it('gives up on a client whose held live events pass maxHeld while it replays', async () => {
    freshStream();
    const hub = new FanoutHub();
    await appendEvents(redis.client, prefix, [event(1)]);
    const seen = await lastId();
    let overflowed = 0;
    const { subscription, delivered } = subscribe(hub, withReplayHooks({ beforeRead: once(() => appendAndPublish(hub, 2, 3, 4)) }), seen, {
      maxHeld: 2,
      onOverflow: () => overflowed++,
    });
    await subscription.ready;
    expect(overflowed).toBe(1);
    expect(delivered).toEqual([]);
    expect(hub.size).toBe(0);
  });
});
