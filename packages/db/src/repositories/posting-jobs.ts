import { and, desc, eq, getTableColumns, inArray, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { deliveries, postingJobPosts, postingJobs } from '../schema.ts';
import type { JobStatus } from '../statuses.ts';
import { olderThan, positionOf, type PagePosition } from './keyset.ts';

export type PostingJobRow = typeof postingJobs.$inferSelect;
export type DeliveryOutcome = 'posted' | 'failed' | 'canceled';

/**
 * Opens a posting job over deliveries and points each delivery at it. Counts are per post:
 * a post is done when all of its deliveries in this job are.
 */
export async function createPostingJob(
  tx: DbOrTx,
  input: { userId: string; trigger: string; deliveries: { id: string; postId: string }[] },
): Promise<PostingJobRow> {
  const perPost = new Map<string, number>();
  for (const d of input.deliveries) perPost.set(d.postId, (perPost.get(d.postId) ?? 0) + 1);
  const [job] = await tx
    .insert(postingJobs)
    .values({ userId: input.userId, trigger: input.trigger, totalPosts: perPost.size, ...(perPost.size === 0 ? completedNow() : {}) })
    .returning();
  if (perPost.size > 0) {
    await tx
      .insert(postingJobPosts)
      .values([...perPost].map(([postId, totalDeliveries]) => ({ jobId: job!.id, postId, totalDeliveries })));
    await tx
      .update(deliveries)
      .set({ postingJobId: job!.id })
      .where(inArray(deliveries.id, input.deliveries.map((d) => d.id)));
  }
  return job!;
}

const completedNow = () => ({ status: 'completed' as const, completedAt: new Date() });

/**
 * Counts a delivery's final outcome into its job, atomically: concurrent workers each add
 * their own delivery, and the job completes exactly when its last post is done. A post whose
 * deliveries were all canceled leaves the job's total. Returns null when the delivery was
 * already counted (a repeat after a crash is harmless). The job has finished when its
 * `completedAt` is set: only the outcome that completes it returns a finished job.
 */
export async function recordDeliveryOutcome(
  db: DbOrTx,
  input: { jobId: string; postId: string; outcome: DeliveryOutcome },
): Promise<PostingJobRow | null> {
  const [item] = await db
    .update(postingJobPosts)
    .set({
      finishedDeliveries: sql`${postingJobPosts.finishedDeliveries} + 1`,
      failedDeliveries: sql`${postingJobPosts.failedDeliveries} + ${input.outcome === 'failed' ? 1 : 0}`,
      canceledDeliveries: sql`${postingJobPosts.canceledDeliveries} + ${input.outcome === 'canceled' ? 1 : 0}`,
    })
    .where(
      and(
        eq(postingJobPosts.jobId, input.jobId),
        eq(postingJobPosts.postId, input.postId),
        lt(postingJobPosts.finishedDeliveries, postingJobPosts.totalDeliveries),
      ),
    )
    .returning();
  if (!item) return null;
  const postDone = item.finishedDeliveries === item.totalDeliveries;
  const allCanceled = postDone && item.canceledDeliveries === item.totalDeliveries;
  const deltaFailed = postDone && !allCanceled && item.failedDeliveries > 0 ? 1 : 0;
  const deltaCompleted = postDone && !allCanceled && deltaFailed === 0 ? 1 : 0;
  const deltaTotal = allCanceled ? 1 : 0;

  const completed = sql`${postingJobs.completedPosts} + ${deltaCompleted}`;
  const failed = sql`${postingJobs.failedPosts} + ${deltaFailed}`;
  const total = sql`${postingJobs.totalPosts} - ${deltaTotal}`;
  const done = sql`(${completed} + ${failed} >= ${total})`;
  const [job] = await db
    .update(postingJobs)
    .set({
      completedPosts: completed,
      failedPosts: failed,
      totalPosts: total,
      status: sql`case when ${postingJobs.completedAt} is null and ${done}
        then (case when ${completed} = 0 and ${failed} > 0 then 'failed' else 'completed' end)
        else ${postingJobs.status} end`,
      completedAt: sql`case when ${postingJobs.completedAt} is null and ${done} then now() else ${postingJobs.completedAt} end`,
    })
    .where(eq(postingJobs.id, input.jobId))
    .returning();
  return job ?? null;
}


export async function findPostingJob(db: DbOrTx, userId: string, jobId: string): Promise<PostingJobRow | null> {
  const [job] = await db
    .select()
    .from(postingJobs)
    .where(and(eq(postingJobs.id, jobId), eq(postingJobs.userId, userId)));
  return job ?? null;
}

/** Newest first, keyset-paginated on (created_at, id); each row carries its page position. */
export async function listPostingJobs(
  db: DbOrTx,
  userId: string,
  options: { status?: JobStatus; limit: number; after?: PagePosition },
): Promise<(PostingJobRow & { position: string })[]> {
  const conditions = [eq(postingJobs.userId, userId)];
  if (options.status) conditions.push(eq(postingJobs.status, options.status));
  if (options.after) conditions.push(olderThan(postingJobs.createdAt, postingJobs.id, options.after));
  return db
    .select({ ...getTableColumns(postingJobs), position: positionOf(postingJobs.createdAt) })
    .from(postingJobs)
    .where(and(...conditions))
    .orderBy(desc(postingJobs.createdAt), desc(postingJobs.id))
    .limit(options.limit);
}
