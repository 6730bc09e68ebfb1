// Issue 3: how late the runtime calls the publisher for deliveries that fall due, with the
// dispatch pass running as the gateway runs it (engine.startPeriodicPasses).
import type { Engine } from '@autoposter/engine';
import { createRedisConnection, deliveryJobId } from '@autoposter/queue';
import { createBenchDatabase, createBenchRedis, withCleanup } from './lib/bench-env.ts';
import { pollUntil } from './lib/wait.ts';
import { createBenchEngine, defaultEngineSettings } from './lib/engine.ts';
import { note, percentile, printTable, printVerdict, round } from './lib/report.ts';
import { benchKeyring, seedPageAccounts, seedPosts, seedUser } from './lib/seed.ts';
import { UNTHROTTLED_LIMITS, WORKER_CONCURRENCY, startRuntimeWorker, waitUntilPosted } from './lib/workers.ts';

const DELIVERIES = 10_000;
const ACCOUNTS = 20;
/** The first delivery falls due this long after seeding starts, the last one SPREAD_MS later. */
const LEAD_MS = 30_000;
const SPREAD_MS = 60_000;
const SLICES = 6;
const P99_TARGET_MS = 250;
const DRAIN_TIMEOUT_MS = LEAD_MS + SPREAD_MS + 90_000;

interface Lateness {
  dueMs: number;
  /** Publisher call time - due_at. */
  latenessMs: number;
  /** When BullMQ makes the job due (its timestamp + delay) - due_at: how exactly the job was enqueued. */
  enqueueSkewMs: number;
}

interface QueuedDelivery {
  id: string;
  run: number;
  dueMs: number;
}

/**
 * Waits for the dispatch pass to put every delivery's job in Redis, then reads when BullMQ will
 * make each one due (before any is: the first falls due LEAD_MS after seeding).
 */
async function bullmqDueTimes(engine: Engine, deliveries: QueuedDelivery[]): Promise<Map<string, number>> {
  const queue = engine.queues.meta;
  await pollUntil(async () => (await queue.getDelayedCount()) >= deliveries.length, LEAD_MS, 'the dispatch pass enqueuing every delivery');
  const due = new Map<string, number>();
  for (let i = 0; i < deliveries.length; i += 500) {
    const jobs = await Promise.all(deliveries.slice(i, i + 500).map((d) => queue.getJob(deliveryJobId(d.id, d.run))));
    for (const job of jobs) if (job) due.set(job.data.delivery_id, job.timestamp + job.delay);
  }
  return due;
}

function summary(lateness: Lateness[]) {
  const late = lateness.map((l) => l.latenessMs);
  const skew = lateness.map((l) => l.enqueueSkewMs);
  return {
    deliveries: late.length,
    'min ms': round(Math.min(...late)),
    'p50 ms': round(percentile(late, 50)),
    'p99 ms': round(percentile(late, 99)),
    'max ms': round(Math.max(...late)),
    early: late.filter((ms) => ms < 0).length,
    'enqueue skew p50/p99 ms': `${round(percentile(skew, 50))} / ${round(percentile(skew, 99))}`,
  };
}

const database = await createBenchDatabase();
const redis = createBenchRedis();
const keyring = benchKeyring();
const worker = await startRuntimeWorker(database, redis, keyring);
const { engine, close: closeEngine } = createBenchEngine(database, redis);
const passConnection = createRedisConnection(redis.url, 'worker');

await withCleanup(
  async () => {
    const userId = await seedUser(database.db);
    const accountIds = await seedPageAccounts(database.db, keyring, userId, ACCOUNTS, UNTHROTTLED_LIMITS);
    const firstDue = Date.now() + LEAD_MS;
    await seedPosts(database.pool, {
      userId,
      accountIds,
      channel: 'facebook_page',
      count: DELIVERIES,
      deliveryStatus: `'scheduled'`,
      dueAt: `to_timestamp(${firstDue} / 1000.0) + (i - 1) * interval '${SPREAD_MS / DELIVERIES} milliseconds'`,
    });
    note(`${DELIVERIES} deliveries fall due from ${new Date(firstDue).toISOString()} over ${SPREAD_MS / 1000}s; waiting for them`);
    const { rows: deliveries } = await database.pool.query<QueuedDelivery>(
      `select id, run, (extract(epoch from due_at) * 1000)::float8 as "dueMs" from deliveries where user_id = $1`,
      [userId],
    );
    const passes = await engine.startPeriodicPasses(passConnection);
    const lateness = await withCleanup(async () => {
      const bullmqDue = await bullmqDueTimes(engine, deliveries);
      await waitUntilPosted(database.pool, userId, DELIVERIES, DRAIN_TIMEOUT_MS);
      const calls = await worker.calls();
      const missing = deliveries.filter((d) => !calls.has(d.id) || !bullmqDue.has(d.id)).length;
      if (missing > 0 || calls.size !== deliveries.length) {
        throw new Error(`${calls.size} publisher calls for ${deliveries.length} deliveries (${missing} never called or never enqueued)`);
      }
      return deliveries.map(
        (d): Lateness => ({ dueMs: d.dueMs, latenessMs: calls.get(d.id)! - d.dueMs, enqueueSkewMs: bullmqDue.get(d.id)! - d.dueMs }),
      );
    }, passes.close);

    const all = summary(lateness);
    const sliceMs = SPREAD_MS / SLICES;
    printTable(
      `Lateness (publisher call time - due_at) of ${DELIVERIES} deliveries due over ${SPREAD_MS / 1000}s, one worker process of concurrency ${WORKER_CONCURRENCY}, dispatch pass every ${defaultEngineSettings().dispatchIntervalMs / 1000}s`,
      [
        { due: 'all', ...all },
        ...Array.from({ length: SLICES }, (_, slice) => {
          const inSlice = lateness.filter((l) => Math.min(SLICES - 1, Math.floor((l.dueMs - firstDue) / sliceMs)) === slice);
          return { due: `+${(slice * sliceMs) / 1000}s..${((slice + 1) * sliceMs) / 1000}s`, ...summary(inSlice) };
        }),
      ],
    );
    console.log('');
    printVerdict('lateness', all['p99 ms'] < P99_TARGET_MS && all.early === 0, `p99 ${all['p99 ms']} ms, ${all.early} early (target p99 < ${P99_TARGET_MS} ms, 0 early)`);
  },
  () => worker.stop(),
  closeEngine,
  async () => passConnection.disconnect(),
  () => database.drop(),
  () => redis.destroy(),
);
