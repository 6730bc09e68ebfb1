import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueNames, schedulerIds } from '@autoposter/queue';
import type { EngineContext } from './context.ts';
import { dispatchPass } from './dispatch-pass.ts';
import { retentionPass } from './retention-pass.ts';

const keep = { removeOnComplete: { count: 50 }, removeOnFail: { count: 200 } };

/**
 * Runs the dispatch pass every DISPATCH_INTERVAL and the retention pass daily, through BullMQ
 * job schedulers: every replica upserts the same scheduler ids, so one pass runs per tick,
 * and the queue's global concurrency of 1 keeps passes from overlapping. The schedulers live
 * in Redis, so a Redis restart or FLUSHALL would silently stop the passes: every replica
 * upserts them again on each interval (an idempotent call) and whenever Redis reconnects.
 */
export async function startPeriodicPasses(ctx: EngineContext, workerConnection: Redis): Promise<{ close(): Promise<void> }> {
  const queue = new Queue(queueNames.dispatch, { connection: ctx.redis, prefix: ctx.prefix });
  const ensureSchedulers = async () => {
    await queue.setGlobalConcurrency(1);
    await queue.upsertJobScheduler(schedulerIds.dispatch, { every: ctx.settings.dispatchIntervalMs }, { name: 'dispatch-pass', data: {}, opts: keep });
    await queue.upsertJobScheduler(schedulerIds.retention, { pattern: '17 3 * * *' }, { name: 'retention-pass', data: {}, opts: keep });
  };
  const ensureQuietly = () =>
    ensureSchedulers().catch((err: unknown) => ctx.logger.warn({ err }, 'could not upsert the periodic pass schedulers'));
  await ensureSchedulers();
  const timer = setInterval(ensureQuietly, ctx.settings.dispatchIntervalMs);
  ctx.redis.on('ready', ensureQuietly);

  const worker = new Worker(
    queueNames.dispatch,
    async (job) => (job.name === 'retention-pass' ? retentionPass(ctx) : dispatchPass(ctx)),
    { connection: workerConnection, prefix: ctx.prefix, concurrency: 1 },
  );
  worker.on('failed', (job, err) => ctx.logger.error({ err, pass: job?.name }, 'periodic pass failed'));
  worker.on('error', (err) => ctx.logger.warn({ err }, 'periodic pass worker error'));
  return {
    async close() {
      clearInterval(timer);
      ctx.redis.off('ready', ensureQuietly);
      await worker.close();
      await queue.close();
    },
  };
}
