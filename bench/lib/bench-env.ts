import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createDatabase, runMigrations, type Database } from '@autoposter/db';

/** Where the benchmarks create their own database (they never touch this one's tables). */
export const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchDatabase extends Database {
  url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

async function onServer(statement: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database for one benchmark run. */
export async function createBenchDatabase(poolMax = 10): Promise<BenchDatabase> {
  const name = `autoposter_bench_${randomBytes(5).toString('hex')}`;
  await onServer(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    await runMigrations(url.toString());
  } catch (err) {
    await onServer(`drop database if exists "${name}" with (force)`);
    throw err;
  }
  const database = createDatabase({ url: url.toString(), poolMax, applicationName: 'bench' });
  return {
    ...database,
    url: url.toString(),
    async drop() {
      await database.close();
      await onServer(`drop database if exists "${name}" with (force)`);
    },
  };
}

export interface BenchRedis {
  url: string;
  /** A BullMQ key prefix of this run's own: everything the run writes lives under it. */
  prefix: string;
  client: Redis;
  keys(): AsyncGenerator<string[]>;
  /** Deletes every key under the prefix and disconnects. */
  destroy(): Promise<void>;
}

export function createBenchRedis(): BenchRedis {
  const prefix = `{bench${randomBytes(5).toString('hex')}}`;
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  async function* keys() {
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (batch.length) yield batch;
    } while (cursor !== '0');
  }
  return {
    url: redisUrl,
    prefix,
    client,
    keys,
    async destroy() {
      for await (const batch of keys()) await client.unlink(...batch);
      client.disconnect();
    },
  };
}

/** Runs `body`, then `cleanup` whatever happened (a benchmark leaves no database or keys behind). */
export async function withCleanup<T>(body: () => Promise<T>, ...cleanups: (() => Promise<void>)[]): Promise<T> {
  try {
    return await body();
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}
