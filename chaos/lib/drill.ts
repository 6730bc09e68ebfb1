import { randomBytes } from 'node:crypto';
import { withConnection } from '@autoposter/db';
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
  /** Between the services and Postgres. */
  postgresProxy: TcpProxy;
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
  run(context: DrillContext): Promise<DrillOutcome>;
}

export interface AfterSettle {
  recoverMs?: number | null;
  figures?: Record<string, string>;
  targets?: Target[];
}

/** What a drill did: its deliveries, its faults, and what to read once the work has settled. */
export interface DrillOutcome {
  planned: PlannedDelivery[];
  faults: string;
  recoverMs: number | null;
  recoverWhat: string;
  figures: Record<string, string>;
  /** Deliveries whose cancel answered that they were canceled. */
  canceledByAnswer?: Set<string>;
  targets?: Target[];
  settleTimeoutMs?: number;
  /** Figures only the settled state can give (recovery times read from Postgres, memory). */
  afterSettle?: (databaseUrl: string) => Promise<AfterSettle>;
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

/** A stack for drills: two replicas of each worker, a private Redis, Postgres behind a proxy, seeded accounts. */
export interface DrillStack {
  stack: RunningStack;
  redis: PrivateRedis;
  postgresProxy: TcpProxy;
  api: ApiClient;
  accounts: DrillAccounts;
  /** SIGTERM to everything; says whether every process left by itself. */
  stop(): Promise<{ exitedByItself: boolean }>;
}

export async function startDrillStack(settings: Omit<DrillSettings, 'short'>, env: Record<string, string> = {}): Promise<DrillStack> {
  const log = settings.log ?? ((line: string) => console.log(line));
  const redis = await startPrivateRedis();
  const postgresProxy = new TcpProxy();
  let stack: RunningStack | null = null;
  const stop = async () => {
    const stopped = (await stack?.stop()) ?? { exitedByItself: true };
    stack = null;
    await redis.stop();
    await postgresProxy.close();
    return stopped;
  };
  try {
    const started = Date.now();
    stack = await startStack({
      adminDatabaseUrl: settings.adminDatabaseUrl,
      ...(settings.templateDatabase ? { templateDatabase: settings.templateDatabase } : {}),
      redisUrl: redis.url,
      mode: 'processes',
      replicas: { 'meta-worker': 2, 'marketplace-worker': 2 },
      env: { ...DRILL_ENV, ...env },
      serviceDatabaseUrl: (url: string) => postgresProxy.front(url),
    });
    log(`  stack up in ${Math.round((Date.now() - started) / 1000)} s: ${stack.names().join(', ')}`);
    const api = await ApiClient.register(stack.urls.api, `chaos-${randomBytes(4).toString('hex')}@example.com`);
    const accounts = await seedDrillAccounts(stack, api, 3);
    return { stack, redis, postgresProxy, api, accounts, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs one drill's workload and fault on a drill stack, waits for the work to settle and counts. */
export async function runDrillOn(on: DrillStack, name: string, drill: Drill, settings: Pick<DrillSettings, 'short' | 'log'>): Promise<DrillResult> {
  const log = settings.log ?? ((line: string) => console.log(line));
  try {
    const workload = await Workload.prepare(on.api, on.accounts);
    const outcome = await drill.run({ ...on, workload, short: settings.short, log });
    const settle = await waitUntilSettled(on.stack.databaseUrl, outcome.planned, outcome.settleTimeoutMs ?? SETTLE_TIMEOUT_MS);
    const counted = await tally(on.stack, outcome.planned, outcome.canceledByAnswer);
    const after = (await outcome.afterSettle?.(on.stack.databaseUrl)) ?? {};
    return {
      drill: name,
      short: settings.short,
      tally: counted,
      faults: outcome.faults,
      recoverMs: after.recoverMs !== undefined ? after.recoverMs : outcome.recoverMs,
      recoverWhat: outcome.recoverWhat,
      settled: settle.settled,
      settleMs: settle.ms,
      figures: { ...outcome.figures, ...after.figures },
      targets: [...commonTargets(counted, settle.settled), ...(outcome.targets ?? []), ...(after.targets ?? [])],
    };
  } catch (err) {
    const serviceLines = on.stack.output().split('\n').filter((line) => !line.startsWith('{"level":30'));
    (err as Error).message += `\n${serviceLines.slice(-60).join('\n')}`;
    throw err;
  }
}

/** Runs one drill on a stack of its own, as `pnpm chaos` does. */
export async function runDrill(name: string, drill: Drill, settings: DrillSettings): Promise<DrillResult> {
  const on = await startDrillStack(settings);
  try {
    const result = await runDrillOn(on, name, drill, settings);
    const stopped = await on.stop();
    result.figures['stopped on SIGTERM'] = stopped.exitedByItself ? 'every process by itself' : 'some had to be killed';
    return result;
  } finally {
    await on.stop();
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
  const { rows } = await withConnection(databaseUrl, (client) =>
    client.query<{ first: Date | null }>('select min(posted_at) as first from deliveries where id = any($1::uuid[]) and posted_at > $2', [planned.map((d) => d.deliveryId), since]),
  );
  return rows[0]?.first ? rows[0].first.getTime() - since.getTime() : null;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
