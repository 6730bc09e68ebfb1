import type { DbOrTx, DeliveryStatus } from '@autoposter/db';
import { startRun, type QueueableDelivery } from '@autoposter/db/repositories/delivery-scheduling';
import { createPostingJob, type PostingJobRow } from '@autoposter/db/repositories/posting-jobs';
import {
  announceDeliveries,
  announceJobs,
  detachFromJobs,
  enqueueCommitted,
  removeReplacedJobs,
} from './after-commit.ts';
import type { EngineContext } from './context.ts';

export type RunTrigger = 'start_posting' | 'publish_now' | 'schedule' | 'retry';

export interface OpenedRun {
  job: PostingJobRow;
  started: QueueableDelivery[];
  replaced: QueueableDelivery[];
  detachedJobs: PostingJobRow[];
}

const unfinished: readonly DeliveryStatus[] = ['scheduled', 'queued', 'retrying'];

/**
 * Inside the caller's transaction: gives deliveries a new run (new job ids, so a stale job in
 * Redis can never run them) under a new posting job.
 */
export async function openRun(
  tx: DbOrTx,
  input: {
    userId: string;
    trigger: RunTrigger;
    deliveries: QueueableDelivery[];
    status: 'queued' | 'scheduled';
    dueAt: Date;
    freshAttempts?: boolean;
  },
): Promise<OpenedRun> {
  const detachedJobs = await detachFromJobs(
    tx,
    input.deliveries.filter((d) => unfinished.includes(d.status)),
  );
  // The caller locked the deliveries: every one of them starts.
  const job = await createPostingJob(tx, { userId: input.userId, trigger: input.trigger, deliveries: input.deliveries });
  const started = await startRun(
    tx,
    input.deliveries.map((d) => d.id),
    { status: input.status, dueAt: input.dueAt, postingJobId: job.id, freshAttempts: input.freshAttempts },
  );
  return {
    job,
    started,
    replaced: input.deliveries,
    detachedJobs,
  };
}

/** After commit: drop the replaced runs' jobs, enqueue the new ones, tell clients. */
export async function publishRun(ctx: EngineContext, run: OpenedRun): Promise<void> {
  await removeReplacedJobs(ctx, run.replaced);
  await enqueueCommitted(ctx, run.started);
  await announceJobs(ctx, [...run.detachedJobs, run.job]);
  await announceDeliveries(ctx, run.started);
}
