import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must retry forever (`maxRetriesPerRequest: null`, as BullMQ
 * requires); producers (the gateway) should fail a request fast instead of hanging.
 */
export function createRedisConnection(url: string, role: 'worker' | 'producer', options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    connectTimeout: 5_000,
    lazyConnect: false,
    ...options,
  });
}

/**
 * A connection of its own beside a worker's (BullMQ's is left as BullMQ expects it), with
 * `options` over the worker's. Its failures surface on its commands, not as error events.
 */
export function sideConnection(workerConnection: Redis, options: RedisOptions): Redis {
  const side = workerConnection.duplicate(options);
  side.on('error', () => undefined);
  return side;
}
