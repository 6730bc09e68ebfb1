import type { QueueableDelivery } from '@autoposter/db/repositories/delivery-scheduling';
import { recordDeliveryOutcome, type PostingJobRow } from '@autoposter/db/repositories/posting-jobs';
import type { DbOrTx } from '@autoposter/db';
import { appendEvents, type PlatformEvent } from '@autoposter/queue';
import type { EngineContext } from './context.ts';
import { toJobView } from './job-view.ts';
import { enqueueDeliveries, removeRunJobs } from './publish-queues.ts';

/**
 * Work is committed to Postgres first; then its jobs go to Redis. If Redis is unreachable at
 * that moment nothing is lost: the dispatch pass adds every live delivery's missing job.
 */
export async function enqueueCommitted(ctx: EngineContext, deliveries: QueueableDelivery[]): Promise<void> {
  const now = ctx.now();
  const due = deliveries.filter((d) => (d.dueAt?.getTime() ?? 0) <= now.getTime() + ctx.settings.horizonMs);
  if (due.length === 0) return;
  try {
    await enqueueDeliveries(ctx.queues, due, { maxAttempts: ctx.settings.maxAttempts, now });
  } catch (err) {
    ctx.logger.warn({ err, count: due.length }, 'could not enqueue now; the dispatch pass will');
  }
}

/** A delivery still `pending` was never queued: it has no job to remove. */
export async function removeReplacedJobs(ctx: EngineContext, replaced: QueueableDelivery[]) {
  try {
    await removeRunJobs(ctx.queues, replaced.filter((d) => d.status !== 'pending'));
  } catch (err) {
    ctx.logger.warn({ err }, 'could not remove replaced jobs; workers will skip them');
  }
}

/**
 * Deliveries leaving a job before finishing (rescheduled, canceled, published now in another
 * job) are counted out of it, so the old job still completes.
 */
export async function detachFromJobs(tx: DbOrTx, deliveries: QueueableDelivery[]): Promise<PostingJobRow[]> {
  const jobs = new Map<string, PostingJobRow>();
  for (const d of deliveries) {
    if (!d.postingJobId) continue;
    const counted = await recordDeliveryOutcome(tx, { jobId: d.postingJobId, postId: d.postId, outcome: 'canceled' });
    if (counted) jobs.set(counted.id, counted);
  }
  return [...jobs.values()];
}

/** Sent together in one round trip, in order. A failed append is logged; the rows stay the truth. */
async function sendEvents(ctx: EngineContext, events: PlatformEvent[]): Promise<void> {
  const errors = await appendEvents(ctx.redis, ctx.prefix, events).catch((err: unknown) => events.map(() => err));
  const failed = errors.filter((err) => err !== null);
  if (failed.length > 0) ctx.logger.warn({ err: failed[0], types: [...new Set(events.map((e) => e.type))] }, `could not append ${failed.length} of ${events.length} events`);
}

/** `job.progress` for each job, with `final: true` once it has completed. */
export function announceJobs(ctx: EngineContext, jobs: PostingJobRow[]): Promise<void> {
  return sendEvents(
    ctx,
    jobs.map((job) => ({
      type: 'job.progress',
      user_id: job.userId,
      job_id: job.id,
      data: { ...toJobView(job), ...(job.completedAt ? { final: true } : {}) },
    })),
  );
}

export function announceDeliveries(ctx: EngineContext, deliveries: QueueableDelivery[]): Promise<void> {
  return sendEvents(
    ctx,
    deliveries.map((d) => ({
      type: 'delivery.updated',
      user_id: d.userId,
      job_id: d.postingJobId,
      data: { id: d.id, post_id: d.postId, channel: d.channel, status: d.status, due_at: d.dueAt?.toISOString() ?? null },
    })),
  );
}
