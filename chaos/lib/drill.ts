import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPrivateRedis, startStack, type PrivateRedis, type RunningStack } from '@autoposter/stack';
import { ApiClient } from './api.ts';
import { seedDrillAccounts, type DrillAccounts } from './accounts.ts';
import { TcpProxy } from './tcp-proxy.ts';
import { tally, waitUntilSettled, type Tally } from './tally.ts';
import { Workload, type PlannedDelivery } from './workload.ts';

export interface DrillSettings {
  /** A Postgres database to create the stack's database from (trust auth). */
  adminDatabaseUrl: string;
  /** A migrated database to clone (vitest's template); migrated afresh without one. */
  templateDatabase?: string;
  /** The short round (`pnpm test`), or the full drill (`pnpm chaos`). */
  short: boolean;
  log?: (line: string) => void;
}

export interface DrillContext {
  stack: RunningStack;
  redis: PrivateRedis;
  /** Between the services and Postgres (when the drill asked for it). */
  postgresProxy: TcpProxy | null;
  api: ApiClient;
  accounts: DrillAccounts;
  workload: Workload;
  short: boolean;
  log: (line: string) => void;
}

export interface Target {
  what: string;
  met: boolean;
  detail: string;
}

export interface DrillResult {
  drill: string;
  short: boolean;
  tally: Tally;
  /** What was injected, e.g. "50 worker SIGKILLs". */
  faults: string;
  /** From the fault's end until work went on (null when it could not be measured). */
  recoverMs: number | null;
  recoverWhat: string;
  settled: boolean;
  settleMs: number;
  /** Further figures of this drill (memory, readiness...). */
  figures: Record<string, string>;
  targets: Target[];
}

export interface Drill {
  describe: string;
  /** Stack needs beyond the common ones. */
  needs?: { postgresProxy?: boolean; env?: Record<string, string> };
  run(context: DrillContext): Promise<Omit<DrillResult, 'drill' | 'short' | 'tally' | 'settled' | 'settleMs' | 'targets'> & { planned: PlannedDelivery[]; canceledByAnswer?: Set<string>; targets?: Target[]; settleTimeoutMs?: number }>;
}

/**
 * Settings every drill runs with: fakes with small latencies and no publishing quota to speak
 * of, short locks so a killed worker's jobs are taken over in seconds, short provider timeouts
 * so a hung call is given up quickly, and small pools (every service has its own).
 */
export const DRILL_ENV: Record<string, string> = {
  FAKE_GRAPH_LATENCY: '20',
  FAKE_GRAPH_CONTAINER_DELAY: '100',
  FAKE_GRAPH_QUOTA_TOTAL: '1000000',
  JOB_LOCK_DURATION: '10s',
  STALLED_CHECK_INTERVAL: '5s',
  GRAPH_API_TIMEOUT: '5s',
  PUBLISH_TIMEOUT: '30s',
  DATABASE_POOL_MAX: '4',
  WORKER_CONCURRENCY: '6',
  SESSION_SWEEP_INTERVAL: '0',
};

const SETTLE_TIMEOUT_MS = 6 * 60_000;

/** Runs one drill on a stack of its own (two replicas of each worker, a private Redis) and counts. */
export async function runDrill(name: string, drill: Drill, settings: DrillSettings): Promise<DrillResult> {
  const log = settings.log ?? ((line: string) => console.log(line));
  const redis = await startPrivateRedis();
  const postgresProxy = drill.needs?.postgresProxy ? new TcpProxy() : null;
  let stack: RunningStack | null = null;
  try {
    const started = Date.now();
    stack = await startStack({
      adminDatabaseUrl: settings.adminDatabaseUrl,
      ...(settings.templateDatabase ? { templateDatabase: settings.templateDatabase } : {}),
      redisUrl: redis.url,
      mode: 'processes',
      replicas: { 'meta-worker': 2, 'marketplace-worker': 2 },
      env: { ...DRILL_ENV, ...drill.needs?.env },
      ...(postgresProxy ? { serviceDatabaseUrl: (url: string) => postgresProxy.front(url) } : {}),
    });
    log(`  stack up in ${Math.round((Date.now() - started) / 1000)} s: ${stack.names().join(', ')}`);
    const api = await ApiClient.register(stack.urls.api, `chaos-${randomBytes(4).toString('hex')}@example.com`);
    const accounts = await seedDrillAccounts(stack, api, { pages: 4, browsers: 3 });
    const workload = await Workload.prepare(api, accounts);
    const outcome = await drill.run({ stack, redis, postgresProxy, api, accounts, workload, short: settings.short, log });
    const settle = await waitUntilSettled(stack.databaseUrl, outcome.planned, outcome.settleTimeoutMs ?? SETTLE_TIMEOUT_MS);
    const counted = await tally(stack, outcome.planned, outcome.canceledByAnswer);
    const stopped = await stack.stop();
    stack = null;
    return {
      drill: name,
      short: settings.short,
      tally: counted,
      faults: outcome.faults,
      recoverMs: outcome.recoverMs,
      recoverWhat: outcome.recoverWhat,
      settled: settle.settled,
      settleMs: settle.ms,
      figures: { ...outcome.figures, 'stopped on SIGTERM': stopped.exitedByItself ? 'every process by itself' : 'some had to be killed' },
      targets: [...commonTargets(counted, settle.settled), ...(outcome.targets ?? [])],
    };
  } catch (err) {
    if (stack) (err as Error).message += `\n${stack.output().split('\n').slice(-80).join('\n')}`;
    throw err;
  } finally {
    await stack?.stop();
    await redis.stop();
    await postgresProxy?.close();
  }
}

function commonTargets(counted: Tally, settled: boolean): Target[] {
  return [
    { what: 'settled', met: settled, detail: settled ? 'every delivery posted, failed or canceled' : 'deliveries still open at the deadline' },
    { what: '0 lost', met: counted.lost.length === 0, detail: counted.lost.slice(0, 5).join('; ') || 'none' },
    { what: '0 duplicates', met: counted.duplicates.length === 0, detail: counted.duplicates.slice(0, 5).join('; ') || 'none' },
    { what: '0 published after cancel', met: counted.publishedAfterCancel.length === 0, detail: counted.publishedAfterCancel.slice(0, 5).join('; ') || 'none' },
    { what: '0 failed yet published', met: counted.failedButPublished.length === 0, detail: counted.failedButPublished.slice(0, 5).join('; ') || 'none' },
  ];
}

/** From `since` until the first of `planned` was posted after it, in ms (null if none was). */
export async function firstPostedAfter(databaseUrl: string, planned: PlannedDelivery[], since: Date): Promise<number | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ first: Date | null }>('select min(posted_at) as first from deliveries where id = any($1::uuid[]) and posted_at > $2', [
      planned.map((d) => d.deliveryId),
      since,
    ]);
    return rows[0]?.first ? rows[0].first.getTime() - since.getTime() : null;
  } finally {
    await client.end();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
