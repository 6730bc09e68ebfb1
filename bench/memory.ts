// Issue 3: what scheduled deliveries cost in Redis. Postgres holds the schedule; Redis should
// hold nothing for deliveries due next month, and under 1 KB each for those within the horizon.
import { eventStreamKey } from '@autoposter/queue';
import { createBenchDatabase, createBenchRedis, withCleanup, type BenchRedis } from './lib/bench-env.ts';
import { createBenchEngine, defaultEngineSettings } from './lib/engine.ts';
import { note, printTable, printVerdict, round } from './lib/report.ts';
import { seedPageAccounts, seedPosts, seedUser, benchKeyring } from './lib/seed.ts';

const FAR_DELIVERIES = 100_000;
/** Also scheduled next month, but one by one through engine.schedulePost (the producer's own path). */
const FAR_VIA_SCHEDULE_POST = 500;
const NEAR_DELIVERIES = 10_000;
const NEAR_TARGET_BYTES = 1024;
const SCHEDULE_POST_CONCURRENCY = 4;

interface Footprint {
  keys: number;
  /** Job hashes and queue indexes (delayed set, ids, meta) of the publish queues. */
  queueBytes: number;
  /** BullMQ's per-queue event streams, which BullMQ caps (about 10,000 events per queue). */
  queueEventBytes: number;
  /** The client event stream (capped at EVENT_STREAM_MAXLEN), fed by the engine's use cases: notifications, not the schedule. */
  clientEventBytes: number;
  /** INFO used_memory of the whole (shared) Redis: a rough cross-check only. */
  usedMemory: number;
}

async function footprint(redis: BenchRedis): Promise<Footprint> {
  const sum: Footprint = { keys: 0, queueBytes: 0, queueEventBytes: 0, clientEventBytes: 0, usedMemory: 0 };
  for await (const keys of redis.keys()) {
    const pipeline = redis.client.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const sizes = (await pipeline.exec())!.map(([err, bytes]) => {
      if (err) throw err;
      return Number(bytes ?? 0);
    });
    keys.forEach((key, i) => {
      const bytes = sizes[i]!;
      if (key === eventStreamKey(redis.prefix)) sum.clientEventBytes += bytes;
      else if (key.endsWith(':events')) sum.queueEventBytes += bytes;
      else sum.queueBytes += bytes;
    });
    sum.keys += keys.length;
  }
  sum.usedMemory = Number(/used_memory:(\d+)/.exec(await redis.client.info('memory'))?.[1]);
  return sum;
}

const subtract = (after: Footprint, before: Footprint): Footprint => ({
  keys: after.keys - before.keys,
  queueBytes: after.queueBytes - before.queueBytes,
  queueEventBytes: after.queueEventBytes - before.queueEventBytes,
  clientEventBytes: after.clientEventBytes - before.clientEventBytes,
  usedMemory: after.usedMemory - before.usedMemory,
});

interface Phase {
  name: string;
  deliveries: number;
  enqueued: number;
  added: Footprint;
}

/** Runs `step` in small concurrent batches (the producer's calls are one transaction each). */
async function inBatches<T>(items: T[], size: number, step: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(step));
}

const database = await createBenchDatabase();
const redis = createBenchRedis();
const { engine, close: closeEngine } = createBenchEngine(database, redis);
const horizonMinutes = defaultEngineSettings().horizonMs / 60_000;

async function phase(name: string, deliveries: number, produce: () => Promise<void>): Promise<Phase> {
  const before = await footprint(redis);
  const started = performance.now();
  await produce();
  const { enqueued } = await engine.dispatchPass();
  note(`${name}: produced and dispatched in ${round((performance.now() - started) / 1000)}s`);
  return { name, deliveries, enqueued, added: subtract(await footprint(redis), before) };
}

await withCleanup(
  async () => {
    const userId = await seedUser(database.db);
    const accountIds = await seedPageAccounts(database.db, benchKeyring(), userId, 10);
    const nextMonth = `now() + interval '30 days' + i * interval '10 seconds'`;
    const phases: Phase[] = [];

    phases.push(
      await phase('due next month, bulk-scheduled in SQL', FAR_DELIVERIES, () =>
        seedPosts(database.pool, { userId, accountIds, channel: 'facebook_page', count: FAR_DELIVERIES, deliveryStatus: `'scheduled'`, dueAt: nextMonth }),
      ),
    );

    phases.push(
      await phase('due next month, via engine.schedulePost', FAR_VIA_SCHEDULE_POST, async () => {
        await seedPosts(database.pool, { userId, accountIds, channel: 'facebook_page', count: FAR_VIA_SCHEDULE_POST, deliveryStatus: `'pending'` });
        const { rows } = await database.pool.query<{ id: string }>(`select id from posts where user_id = $1 and status = 'pending'`, [userId]);
        const at = new Date(Date.now() + 30 * 86_400_000);
        await inBatches(rows, SCHEDULE_POST_CONCURRENCY, (post) => engine.schedulePost(userId, post.id, at));
      }),
    );

    phases.push(
      await phase(`due within 10 minutes (horizon ${horizonMinutes} min)`, NEAR_DELIVERIES, () =>
        seedPosts(database.pool, {
          userId,
          accountIds,
          channel: 'facebook_page',
          count: NEAR_DELIVERIES,
          deliveryStatus: `'scheduled'`,
          dueAt: `now() + interval '1 minute' + (i % 540) * interval '1 second'`,
        }),
      ),
    );

    const queueBytes = (f: Footprint) => f.queueBytes + f.queueEventBytes;
    printTable(
      "Redis held per scheduled delivery: MEMORY USAGE ... SAMPLES 0 summed over the run's key prefix, added by each step",
      phases.map(({ name, deliveries, enqueued, added }) => ({
        step: name,
        deliveries,
        'jobs enqueued': enqueued,
        'new keys': added.keys,
        'job hashes + indexes B': added.queueBytes,
        'BullMQ event stream B': added.queueEventBytes,
        'queue B/delivery': round(queueBytes(added) / deliveries),
        'client event stream B': added.clientEventBytes,
        'used_memory Δ B (shared Redis)': added.usedMemory,
      })),
    );

    const [far, farViaProducer, near] = phases as [Phase, Phase, Phase];
    const farHeld = queueBytes(far.added) + queueBytes(farViaProducer.added) + far.enqueued + farViaProducer.enqueued;
    const nearPerDelivery = queueBytes(near.added) / near.deliveries;
    console.log('');
    printVerdict(
      'memory next month',
      farHeld === 0,
      `${farHeld} queue bytes and jobs held for ${far.deliveries + farViaProducer.deliveries} deliveries due next month (target 0)`,
    );
    printVerdict(
      'memory within horizon',
      near.enqueued === near.deliveries && nearPerDelivery < NEAR_TARGET_BYTES,
      `${round(nearPerDelivery)} B of queue keys per delivery, ${near.enqueued}/${near.deliveries} enqueued (target < ${NEAR_TARGET_BYTES} B)`,
    );
  },
  closeEngine,
  () => database.drop(),
  () => redis.destroy(),
);
