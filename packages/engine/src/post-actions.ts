import { cancelableDeliveryStatuses, deliveryStatuses, type Db, type DeliveryStatus } from '@autoposter/db';
import { lockAccount, softDeleteAccount } from '@autoposter/db/repositories/accounts';
import { softDeletePost } from '@autoposter/db/repositories/posts';
import { deleteUser as deleteUserRow, lockUser } from '@autoposter/db/repositories/users';
import {
  cancelDeliveries,
  findPostIdsByStatus,
  findPostIdsWithFailedDeliveries,
  lockDeliveriesOfAccount,
  lockDeliveriesOfPosts,
  lockDeliveriesOfUser,
  postExists,
  requestCancel,
  setPostSchedule,
  type QueueableDelivery,
} from '@autoposter/db/repositories/delivery-scheduling';
import { announceDeliveries, announceJobs, detachFromJobs, removeReplacedJobs } from './after-commit.ts';
import type { EngineContext } from './context.ts';
import { UseCaseError } from './errors.ts';
import { openRun, publishRun, type OpenedRun } from './runs.ts';

export interface StartedRun {
  jobId: string;
  deliveryCount: number;
  postCount: number;
}

const summary = (run: OpenedRun): StartedRun => ({
  jobId: run.job.id,
  deliveryCount: run.started.length,
  postCount: run.job.totalPosts,
});

async function inTransaction<T extends OpenedRun>(ctx: EngineContext, work: (tx: Db) => Promise<T>): Promise<StartedRun> {
  const run = await ctx.db.transaction((tx) => work(tx as unknown as Db));
  await publishRun(ctx, run);
  return summary(run);
}

/** Starts the caller's pending posts among `postIds` now; others are skipped. */
export async function startPosting(ctx: EngineContext, userId: string, postIds: string[]): Promise<StartedRun> {
  return inTransaction(ctx, async (tx) => {
    const pendingPosts = await findPostIdsByStatus(tx, userId, [...new Set(postIds)], ['pending']);
    const deliveries = await lockDeliveriesOfPosts(tx, userId, pendingPosts, ['pending']);
    if (deliveries.length === 0) {
      throw new UseCaseError('invalid', 'no_pending_posts', 'No pending posts found with the provided IDs');
    }
    return openRun(tx, { userId, trigger: 'start_posting', deliveries, status: 'queued', dueAt: ctx.now() });
  });
}

/** Publishes a post's deliveries that are pending or scheduled, now. */
export async function publishNow(ctx: EngineContext, userId: string, postId: string): Promise<StartedRun> {
  return inTransaction(ctx, async (tx) => {
    await requirePost(tx, userId, postId);
    const deliveries = await lockDeliveriesOfPosts(tx, userId, [postId], ['pending', 'scheduled']);
    if (deliveries.length === 0) {
      throw new UseCaseError('conflict', 'nothing_to_publish', 'This post has no pending or scheduled deliveries to publish');
    }
    await setPostSchedule(tx, userId, postId, null);
    return openRun(tx, { userId, trigger: 'publish_now', deliveries, status: 'queued', dueAt: ctx.now() });
  });
}

/** Schedules (or reschedules) a post's deliveries that have not started for an exact time. */
export async function schedulePost(ctx: EngineContext, userId: string, postId: string, at: Date): Promise<StartedRun> {
  if (at.getTime() <= ctx.now().getTime()) {
    throw new UseCaseError('invalid', 'validation_error', 'scheduled_at must be in the future');
  }
  return inTransaction(ctx, async (tx) => {
    await requirePost(tx, userId, postId);
    const deliveries = await lockDeliveriesOfPosts(tx, userId, [postId], ['pending', 'scheduled', 'queued']);
    if (deliveries.length === 0) {
      throw new UseCaseError('conflict', 'not_schedulable', 'This post has no deliveries left to schedule (published, failed, canceled or processing)');
    }
    await setPostSchedule(tx, userId, postId, at);
    return openRun(tx, { userId, trigger: 'schedule', deliveries, status: 'scheduled', dueAt: at });
  });
}

/** Retries failed deliveries (only those: a retry never re-posts to targets that succeeded). */
export async function retryFailed(ctx: EngineContext, userId: string, postIds: string[] | null): Promise<StartedRun> {
  return inTransaction(ctx, async (tx) => {
    const ids = postIds ?? (await findPostIdsWithFailedDeliveries(tx, userId));
    const deliveries = await lockDeliveriesOfPosts(tx, userId, ids, ['failed']);
    if (deliveries.length === 0) throw new UseCaseError('invalid', 'no_failed_deliveries', 'No failed deliveries to retry');
    return openRun(tx, { userId, trigger: 'retry', deliveries, status: 'queued', dueAt: ctx.now(), freshAttempts: true });
  });
}

/** Retries one post's failed deliveries. */
export async function retryPost(ctx: EngineContext, userId: string, postId: string): Promise<StartedRun> {
  if (!(await postExists(ctx.db, userId, postId))) throw new UseCaseError('not_found', 'not_found', 'Post not found');
  return retryFailed(ctx, userId, [postId]);
}

/**
 * Cancels a post's schedule: deliveries that have not started become canceled, and one a worker
 * holds right now is canceled when that attempt ends without posting, so nothing is published
 * afterwards. `canceled` counts only the first kind: a held one may still be posted by the
 * attempt under way (its provider call may already have landed), so it is `cancelRequested`.
 */
export async function unschedulePost(ctx: EngineContext, userId: string, postId: string): Promise<{ canceled: number; cancelRequested: number }> {
  const { canceled, requested, jobs } = await ctx.db.transaction(async (tx) => {
    await requirePost(tx as unknown as Db, userId, postId);
    const open = await lockDeliveriesOfPosts(tx, userId, [postId], [...cancelable, 'processing']);
    const live = open.filter((d) => d.status !== 'processing');
    const canceledRows = await cancelDeliveries(tx, live.map((d) => d.id));
    const requestedCount = await requestCancel(tx, open.filter((d) => d.status === 'processing').map((d) => d.id));
    await setPostSchedule(tx, userId, postId, null);
    return { canceled: canceledRows, requested: requestedCount, jobs: await detachFromJobs(tx, live) };
  });
  await afterCancel(ctx, canceled, jobs);
  return { canceled: canceled.length, cancelRequested: requested };
}

/**
 * Deletes a post: refused while a delivery is being published; otherwise its deliveries that
 * have not started are canceled (nothing is published for them afterwards) and it disappears.
 */
export async function deletePost(ctx: EngineContext, userId: string, postId: string): Promise<void> {
  const { canceled, jobs } = await ctx.db.transaction(async (tx) => {
    await requirePost(tx as unknown as Db, userId, postId);
    const all = await lockDeliveriesOfPosts(tx, userId, [postId], deliveryStatuses);
    if (all.some((d) => d.status === 'processing')) {
      throw new UseCaseError('conflict', 'post_processing', 'A delivery of this post is being published right now; try again when it finishes');
    }
    const live = all.filter((d) => cancelable.includes(d.status));
    const canceledRows = await cancelDeliveries(tx, live.map((d) => d.id));
    await softDeletePost(tx, userId, postId);
    return { canceled: canceledRows, jobs: await detachFromJobs(tx, live) };
  });
  await afterCancel(ctx, canceled, jobs);
}

const cancelable: readonly DeliveryStatus[] = cancelableDeliveryStatuses;

/**
 * Deletes an account: refused while one of its deliveries is being published; otherwise its
 * deliveries that have not started are canceled (and leave their posting jobs) and it disappears.
 */
export async function deleteAccount(ctx: EngineContext, userId: string, accountId: string): Promise<void> {
  const { canceled, jobs } = await ctx.db.transaction(async (tx) => {
    if (!(await lockAccount(tx, userId, accountId))) throw new UseCaseError('not_found', 'not_found', 'Account not found');
    const open = await lockDeliveriesOfAccount(tx, userId, accountId, [...cancelable, 'processing']);
    if (open.some((d) => d.status === 'processing')) {
      throw new UseCaseError('conflict', 'delivery_processing', 'A post is being published with this account right now; delete it once that finishes');
    }
    const canceledRows = await cancelDeliveries(tx, open.map((d) => d.id));
    await softDeleteAccount(tx, userId, accountId);
    return { canceled: canceledRows, jobs: await detachFromJobs(tx, open) };
  });
  await afterCancel(ctx, canceled, jobs);
}

/**
 * Deletes a user and everything they own: refused while one of their deliveries is being
 * published; otherwise every delivery that has not finished is canceled first (its queued job
 * removed once the transaction commits) and the user's rows go with them. Files on disk are
 * the caller's to remove.
 */
export async function deleteUser(ctx: EngineContext, userId: string): Promise<void> {
  const { canceled, jobs } = await ctx.db.transaction(async (tx) => {
    if (!(await lockUser(tx, userId))) throw new UseCaseError('not_found', 'not_found', 'User not found');
    const open = await lockDeliveriesOfUser(tx, userId, [...cancelable, 'processing']);
    if (open.some((d) => d.status === 'processing')) {
      throw new UseCaseError('conflict', 'delivery_processing', 'One of your posts is being published right now; delete your account once it finishes');
    }
    const canceledRows = await cancelDeliveries(tx, open.map((d) => d.id));
    const detached = await detachFromJobs(tx, open);
    await deleteUserRow(tx, userId);
    return { canceled: canceledRows, jobs: detached };
  });
  await afterCancel(ctx, canceled, jobs);
}

/**
 * Gives a just-created scheduled post its posting job and, within the horizon, its delayed job.
 * Its deliveries are already durable as `scheduled` (the dispatch pass would find them), so
 * this never refuses: a time that has passed meanwhile just makes them due now.
 */
export async function scheduleCreatedPost(ctx: EngineContext, userId: string, postId: string): Promise<void> {
  const run = await ctx.db.transaction(async (tx) => {
    const deliveries = await lockDeliveriesOfPosts(tx, userId, [postId], ['scheduled']);
    const dueAt = deliveries[0]?.dueAt;
    if (!dueAt || deliveries.some((d) => d.postingJobId)) return null;
    return openRun(tx, { userId, trigger: 'schedule', deliveries, status: 'scheduled', dueAt });
  });
  if (run) await publishRun(ctx, run);
}

/** After deliveries were canceled in Postgres: drop their jobs and tell clients. */
async function afterCancel(ctx: EngineContext, canceled: QueueableDelivery[], jobs: Awaited<ReturnType<typeof detachFromJobs>>) {
  await removeReplacedJobs(ctx, canceled);
  await announceJobs(ctx, jobs);
  await announceDeliveries(ctx, canceled);
}

async function requirePost(tx: Db, userId: string, postId: string) {
  if (!(await postExists(tx, userId, postId))) throw new UseCaseError('not_found', 'not_found', 'Post not found');
}
