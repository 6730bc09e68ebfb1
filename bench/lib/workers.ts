import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Keyring } from '@autoposter/crypto';
import type { AccountLimitsOverride } from '@autoposter/db/repositories/accounts';
import type { BenchDatabase, BenchRedis } from './bench-env.ts';
import { nextMessage, startChild } from './processes.ts';
import { sleep, within } from './wait.ts';
import { note } from './report.ts';
import { isMessage, type WorkerMessage } from './worker-messages.ts';
import { formatKeyring } from '@autoposter/config';

/**
 * The same for the runtime and raw BullMQ; the runtime's Postgres pool has as many connections.
 * 10 unless `BENCH_CONCURRENCY` says otherwise (the figures and verdicts are for 10).
 */
export const WORKER_CONCURRENCY = concurrencyFromEnv(process.env.BENCH_CONCURRENCY);

function concurrencyFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 10;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`BENCH_CONCURRENCY must be a positive integer, got "${value}"`);
  return parsed;
}

/** Limits that never apply: the benchmarks measure the runtime, not pacing. */
export const UNTHROTTLED_LIMITS: AccountLimitsOverride = { daily_cap: 1_000_000, min_gap_seconds: 0, posting_hours: null };

const script = (name: string) => fileURLToPath(new URL(`../workers/${name}.ts`, import.meta.url));

export interface RuntimeWorker {
  /** The publisher calls recorded by the worker process. */
  calls(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

/** A worker service on the `meta` queue in its own process, configured through its environment. */
export async function startRuntimeWorker(database: BenchDatabase, redis: BenchRedis, keyring: Keyring): Promise<RuntimeWorker> {
  const env = {
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: String(WORKER_CONCURRENCY),
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    SECRETS_KEYS: formatKeyring(keyring.keys),
    WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
    WORKER_ID: 'bench-worker',
    MEDIA_DIR: join(tmpdir(), 'autoposter-bench-media'),
    MEDIA_URL_SECRET: 'bench-media-url-secret',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  };
  const { child, stop } = await startChild(script('runtime-worker'), env, isMessage('ready'));
  return {
    async calls() {
      const reply = nextMessage(child, isMessage('calls'));
      child.send({ kind: 'send-calls' } satisfies WorkerMessage);
      return new Map((await within(reply, 30_000, 'the worker reporting its publisher calls')).calls);
    },
    stop,
  };
}

export interface RawWorker {
  /** Resolves with Date.now() of the worker process when its `jobs`-th job completed. */
  finished: Promise<number>;
  stop(): Promise<void>;
}

export async function startRawWorker(redis: BenchRedis, queueName: string, jobs: number): Promise<RawWorker> {
  const env = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    RAW_QUEUE: queueName,
    RAW_JOBS: String(jobs),
    WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
  };
  const { child, stop } = await startChild(script('raw-worker'), env, isMessage('ready'));
  return { finished: nextMessage(child, isMessage('finished')).then((message) => message.at), stop };
}

const POLL_MS = 200;

/**
 * Waits until `count` deliveries of the user are posted and returns the last posted_at. A
 * failed delivery stops the benchmark: it would be measuring errors.
 */
export async function waitUntilPosted(pool: pg.Pool, userId: string, count: number, timeoutMs: number): Promise<Date> {
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  for (;;) {
    const { rows } = await pool.query<{ posted: number; failed: number; last: Date | null; error: string | null }>(
      `select count(*) filter (where status = 'posted')::int as posted,
              count(*) filter (where status in ('failed', 'retrying'))::int as failed,
              max(posted_at) as last, max(last_error_message) as error
       from deliveries where user_id = $1`,
      [userId],
    );
    const { posted, failed, last, error } = rows[0]!;
    if (failed > 0) throw new Error(`${failed} deliveries failed or are retrying: ${error}`);
    if (posted >= count) return last!;
    if (Date.now() > deadline) throw new Error(`only ${posted} of ${count} deliveries were posted within ${timeoutMs} ms`);
    if (Date.now() - lastReport > 5_000) {
      note(`${posted}/${count} posted`);
      lastReport = Date.now();
    }
    await sleep(POLL_MS);
  }
}
