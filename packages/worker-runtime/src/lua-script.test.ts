import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '@autoposter/queue';
import { LuaScript } from './lua-script.ts';

describe('LuaScript', () => {
  const redis = createRedisConnection(process.env.REDIS_URL!, 'worker');
  afterAll(() => redis.disconnect());

  it('runs a script the server has not seen yet, then by its SHA, with the same result', async () => {
    // A fresh comment makes a script no server has cached: the first run must fall back to EVAL.
    const script = new LuaScript(`-- ${randomUUID()}\nreturn {KEYS[1], ARGV[1], ARGV[2]}`);
    expect(await script.run(redis, ['k'], ['a', 2])).toEqual(['k', 'a', '2']);
    expect(await script.run(redis, ['k'], ['b', 3])).toEqual(['k', 'b', '3']);
  });

  it('passes on errors of the script itself', async () => {
    const script = new LuaScript(`-- ${randomUUID()}\nreturn redis.call('INCR', KEYS[1])`);
    const key = `lua-script-test:${randomUUID()}`;
    await redis.set(key, 'not a number', 'PX', 10_000);
    await expect(script.run(redis, [key], [])).rejects.toThrow(/not an integer/);
  });
});
