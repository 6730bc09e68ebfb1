import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueNames, schedulerIds } from '@autoposter/queue';
import type { EngineContext } from './context.ts';
import { dispatchPass } from './dispatch-pass.ts';
import { retentionPass } from './retention-pass.ts';

/**
 * Runs the dispatch pass every DISPATCH_INTERVAL and the retention pass daily, through BullMQ
 * job schedulers: every replica upserts the same scheduler ids, so one pass runs per tick,
 * and the queue's global concurrency of 1 keeps passes from overlapping.
 */
export async function startPeriodicPasses(ctx: EngineContext, workerConnection: Redis): Promise<{ close(): Promise<void> }> {
  const queue = new Queue(queueNames.dispatch, { connection: ctx.redis, prefix: ctx.prefix });
  await queue.setGlobalConcurrency(1);
  const keep = { removeOnComplete: { count: 50 }, removeOnFail: { count: 200 } };
  await queue.upsertJobScheduler(
    schedulerIds.dispatch,
    { every: ctx.settings.dispatchIntervalMs },
    { name: 'dispatch-pass', data: {}, opts: keep },
  );
  await queue.upsertJobScheduler(schedulerIds.retention, { pattern: '17 3 * * *' }, { name: 'retention-pass', data: {}, opts: keep });
  const worker = new Worker(
    queueNames.dispatch,
    async (job) => (job.name === 'retention-pass' ? retentionPass(ctx) : dispatchPass(ctx)),
    { connection: workerConnection, prefix: ctx.prefix, concurrency: 1 },
  );
  worker.on('failed', (job, err) => ctx.logger.error({ err, pass: job?.name }, 'periodic pass failed'));
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
