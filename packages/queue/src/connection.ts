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
