import { findDispatchable, type DispatchPosition, type QueueableDelivery } from '@autoposter/db/repositories/delivery-scheduling';
import { deliveryJobId } from '@autoposter/queue';
import type { EngineContext } from './context.ts';
import { enqueueDeliveries, queueOf } from './publish-queues.ts';

const PAGE_SIZE = 1_000;

export interface DispatchResult {
  checked: number;
  enqueued: number;
}

/**
 * Postgres is the source of truth; Redis holds only what is due within the horizon. Each pass
 * makes sure every live delivery due within the horizon has its job in Redis — newly due
 * ones, and any lost (Redis restarted or flushed) or finished while the delivery still has
 * work (a worker died after BullMQ gave up on it).
 */
export async function dispatchPass(ctx: EngineContext): Promise<DispatchResult> {
  const now = ctx.now();
  const until = new Date(now.getTime() + ctx.settings.horizonMs);
  let checked = 0;
  let enqueued = 0;
  let after: DispatchPosition | undefined;
  for (;;) {
    const page = await findDispatchable(ctx.db, { until, limit: PAGE_SIZE, after });
    if (page.length === 0) break;
    const missing = await withoutLiveJob(ctx, page);
    if (missing.length) await enqueueDeliveries(ctx.queues, missing, { maxAttempts: ctx.settings.maxAttempts, now });
    checked += page.length;
    enqueued += missing.length;
    after = page.at(-1)?.position;
    if (page.length < PAGE_SIZE) break;
  }
  if (enqueued > 0) ctx.logger.info({ checked, enqueued }, 'dispatch pass enqueued deliveries');
  return { checked, enqueued };
}

/**
 * Deliveries whose current run has no job waiting, delayed or active; finished leftovers are
 * removed. One pipelined HMGET per page rather than a getJobState script per delivery: a job
 * hash always has its `name`, and `finishedOn` once BullMQ completed or failed it for good.
 */
async function withoutLiveJob(ctx: EngineContext, deliveries: QueueableDelivery[]): Promise<QueueableDelivery[]> {
  const jobKey = (d: QueueableDelivery) => queueOf(ctx.queues, d).toKey(deliveryJobId(d.id, d.run));
  const pipeline = ctx.redis.pipeline();
  for (const d of deliveries) pipeline.hmget(jobKey(d), 'name', 'finishedOn');
  const replies = (await pipeline.exec()) ?? [];
  const missing: QueueableDelivery[] = [];
  const finished: QueueableDelivery[] = [];
  deliveries.forEach((d, i) => {
    const [err, fields] = replies[i] ?? [];
    if (err) throw err;
    const [name, finishedOn] = fields as (string | null)[];
    if (name === null) missing.push(d);
    else if (finishedOn !== null) finished.push(d);
  });
  await Promise.all(finished.map((d) => queueOf(ctx.queues, d).remove(deliveryJobId(d.id, d.run))));
  return [...missing, ...finished];
}
