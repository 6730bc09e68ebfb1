// Issue 3: delivery throughput of the real runtime (claim, attempt, events, outcome in Postgres)
// against raw BullMQ with a no-op processor, same Redis and concurrency.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { createRedisConnection, deliveryJobId, publishQueueOptions } from '@autoposter/queue';
import { createBenchDatabase, createBenchRedis, withCleanup, type BenchDatabase, type BenchRedis } from './lib/bench-env.ts';
import { createBenchEngine } from './lib/engine.ts';
import { within } from './lib/wait.ts';
import { note, printTable, printVerdict, round } from './lib/report.ts';
import { benchKeyring, seedPageAccounts, seedPosts, seedUser } from './lib/seed.ts';
import { UNTHROTTLED_LIMITS, WORKER_CONCURRENCY, startRawWorker, startRuntimeWorker, waitUntilPosted } from './lib/workers.ts';

const DELIVERIES = 10_000;
/** startPosting calls (and raw addBulk calls) of this many. */
const BATCH = 500;
const ACCOUNTS = 20;
const RATIO_TARGET = 0.15;
const RATIO_AIM = 0.25;
const RUN_TIMEOUT_MS = 150_000;

interface Run {
  name: string;
  seconds: number;
  /** Time the producer took to hand everything over (included in `seconds`). */
  producerSeconds: number;
}

const rate = (run: Run) => DELIVERIES / run.seconds;

function batches<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) result.push(items.slice(i, i + BATCH));
  return result;
}

/** Raw BullMQ: addBulk in batches, a no-op worker in its own process; until its last job completes. */
async function measureRaw(redis: BenchRedis, name: string): Promise<Run> {
  const queueName = `raw-${randomUUID().slice(0, 8)}`;
  const worker = await startRawWorker(redis, queueName, DELIVERIES);
  const connection = createRedisConnection(redis.url, 'producer');
  const queue = new Queue(queueName, { ...publishQueueOptions, connection, prefix: redis.prefix });
  const ids = Array.from({ length: DELIVERIES }, () => randomUUID());
  return withCleanup(
    async () => {
      const start = Date.now();
      for (const batch of batches(ids)) {
        await queue.addBulk(batch.map((id) => ({ name: 'publish-delivery', data: { delivery_id: id, run: 1 }, opts: { jobId: deliveryJobId(id, 1) } })));
      }
      const produced = Date.now();
      const finished = await within(worker.finished, RUN_TIMEOUT_MS, `raw BullMQ processing ${DELIVERIES} jobs`);
      return { name, seconds: (finished - start) / 1000, producerSeconds: (produced - start) / 1000 };
    },
    () => worker.stop(),
    () => queue.close(),
    async () => connection.disconnect(),
  );
}

/** The runtime: pending posts started by engine.startPosting in batches, until the last delivery is posted. */
async function measureRuntime(database: BenchDatabase, redis: BenchRedis): Promise<Run & { publisherCalls: number }> {
  const keyring = benchKeyring();
  const userId = await seedUser(database.db);
  const accountIds = await seedPageAccounts(database.db, keyring, userId, ACCOUNTS, UNTHROTTLED_LIMITS);
  await seedPosts(database.pool, { userId, accountIds, channel: 'facebook_page', count: DELIVERIES, deliveryStatus: `'pending'` });
  const { rows } = await database.pool.query<{ id: string }>('select id from posts where user_id = $1 order by created_at', [userId]);
  const worker = await startRuntimeWorker(database, redis, keyring);
  const { engine, close } = createBenchEngine(database, redis);
  return withCleanup(
    async () => {
      const start = Date.now();
      for (const batch of batches(rows.map((row) => row.id))) await engine.startPosting(userId, batch);
      const produced = Date.now();
      note(`runtime: ${DELIVERIES} deliveries started in ${round((produced - start) / 1000)}s`);
      const lastPosted = await waitUntilPosted(database.pool, userId, DELIVERIES, RUN_TIMEOUT_MS);
      const publisherCalls = (await worker.calls()).size;
      return { name: 'runtime', seconds: (lastPosted.getTime() - start) / 1000, producerSeconds: (produced - start) / 1000, publisherCalls };
    },
    () => worker.stop(),
    close,
  );
}

const database = await createBenchDatabase();
const redis = createBenchRedis();
await withCleanup(
  async () => {
    // Raw BullMQ before and after the runtime, so a change in the machine's load weighs on both.
    const rawBefore = await measureRaw(redis, 'raw BullMQ, before');
    const runtime = await measureRuntime(database, redis);
    const rawAfter = await measureRaw(redis, 'raw BullMQ, after');
    const rawRate = (rate(rawBefore) + rate(rawAfter)) / 2;
    const ratio = rate(runtime) / rawRate;

    printTable(
      `${DELIVERIES} deliveries, concurrency ${WORKER_CONCURRENCY}, each worker in its own process; from the first enqueue call to the last completion (runtime: last posted_at)`,
      [
        ...[rawBefore, runtime, rawAfter].map((run) => ({
          run: run.name === 'runtime' ? `runtime (engine.startPosting x${DELIVERIES / BATCH}, instant publisher, ${ACCOUNTS} accounts)` : `${run.name} (addBulk x${DELIVERIES / BATCH}, no-op processor)`,
          seconds: round(run.seconds, 2),
          'producer s': round(run.producerSeconds, 2),
          'deliveries/s': round(rate(run)),
        })),
        { run: 'runtime / raw (mean of before and after)', 'deliveries/s': `${round(ratio * 100)}%` },
      ],
    );
    console.log(`publisher calls: ${runtime.publisherCalls} for ${DELIVERIES} deliveries`);
    console.log('');
    printVerdict(
      'dispatch',
      ratio >= RATIO_TARGET && runtime.publisherCalls === DELIVERIES,
      `runtime ${round(rate(runtime))}/s = ${round(ratio * 100)}% of raw BullMQ ${round(rawRate)}/s (target >= ${RATIO_TARGET * 100}%, aim ${RATIO_AIM * 100}%)`,
    );
  },
  () => database.drop(),
  () => redis.destroy(),
);
