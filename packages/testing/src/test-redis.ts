import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

export interface TestRedis {
  url: string;
  /** A BullMQ/stream key prefix of its own, so test files share Redis without sharing keys. */
  prefix: string;
  client: Redis;
  /** Deletes every key under the prefix and closes the client. */
  destroy(): Promise<void>;
}

export async function createTestRedis(): Promise<TestRedis> {
  const url = inject('redisUrl');
  const prefix = `{t${randomBytes(5).toString('hex')}}`;
  const client = new Redis(url, { maxRetriesPerRequest: 3 });
  return {
    url,
    prefix,
    client,
    async destroy() {
      await deleteKeys(client, `${prefix}*`);
      client.disconnect();
    },
  };
}

export async function deleteKeys(client: Redis, pattern: string) {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await client.unlink(...keys);
  } while (cursor !== '0');
}
