import { and, desc, eq, getTableColumns } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { postingJobPosts, postingJobs } from '../schema.ts';
import type { JobStatus } from '../statuses.ts';
import { olderThan, positionOf, type PagePosition } from './keyset.ts';
import { columnList, columnsOf, fromDriverRow, runStatement } from './statements.ts';

export type PostingJobRow = typeof postingJobs.$inferSelect;
export type DeliveryOutcome = 'posted' | 'failed' | 'canceled';

/**
 * Opens a posting job over deliveries (they join it in startRun, the update that starts them).
 * Counts are per post: a post is done when all of its deliveries in this job are.
 */
export async function createPostingJob(
  tx: DbOrTx,
  input: { userId: string; trigger: string; deliveries: { postId: string }[] },
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
  }
  return job!;
}

const completedNow = () => ({ status: 'completed' as const, completedAt: new Date() });

export const jobColumns = columnsOf(postingJobs);
const completed = 'j.completed_posts + c.completed';
const failed = 'j.failed_posts + c.failed';
const total = 'j.total_posts - c.canceled';
const completesNow = `j.completed_at is null and ${completed} + ${failed} >= ${total}`;

/**
 * CTEs that count the final outcomes of the deliveries in relation `source` (job_id, post_id,
 * outcome) into their jobs, atomically: concurrent workers each add their own deliveries, and a
 * job completes exactly when its last post is done. A post whose deliveries were all canceled
 * leaves the job's total. Nothing is counted for a post when more deliveries would finish than
 * it has (a repeat after a crash is harmless). `counted_job` holds each job as it is now; one
 * has finished when its `completed_at` is set, and only the statement that completes it sets that.
 * A job none of whose posts finished is left alone (its row is not even locked).
 */
export const countOutcomeSql = (source: string) => `
  -- Ordered, so rows of several posts and jobs are locked in the same order by every batch.
  outcomes_per_post as (
    select job_id, post_id, count(*)::int as finished,
           count(*) filter (where outcome = 'failed')::int as failed, count(*) filter (where outcome = 'canceled')::int as canceled
    from ${source} group by job_id, post_id order by job_id, post_id
  ), counted_post as (
    update posting_job_posts p
    set finished_deliveries = p.finished_deliveries + o.finished,
        failed_deliveries = p.failed_deliveries + o.failed,
        canceled_deliveries = p.canceled_deliveries + o.canceled
    from outcomes_per_post o
    where p.job_id = o.job_id and p.post_id = o.post_id and p.finished_deliveries + o.finished <= p.total_deliveries
    returning p.job_id, p.finished_deliveries = p.total_deliveries as post_done,
              p.canceled_deliveries = p.total_deliveries as all_canceled, p.failed_deliveries > 0 as any_failed
  ), post_counts as (
    select job_id,
           count(*) filter (where post_done and not all_canceled and not any_failed)::int as completed,
           count(*) filter (where post_done and not all_canceled and any_failed)::int as failed,
           count(*) filter (where post_done and all_canceled)::int as canceled
    from counted_post group by job_id order by job_id
  ), counted_job as (
    -- Every count reads the job row itself: a concurrent worker's update is waited for and seen.
    update posting_jobs j
    set completed_posts = ${completed}, failed_posts = ${failed}, total_posts = ${total},
        status = case when ${completesNow} then (case when ${completed} = 0 and ${failed} > 0 then 'failed' else 'completed' end)
                      else j.status end,
        completed_at = case when ${completesNow} then now() else j.completed_at end
    from post_counts c where j.id = c.job_id and c.completed + c.failed + c.canceled > 0
    returning ${columnList(jobColumns, 'j')}
  )`;

const recordOutcomeStatement = {
  name: 'posting_jobs.record_outcome',
  text: `
    with source as (select $1::uuid as job_id, $2::uuid as post_id, $3::text as outcome),
    ${countOutcomeSql('source')}
    select * from counted_job`,
};

/** Counts a delivery's final outcome into its job (see `countOutcomeSql`); null when it was already counted, or when its post has deliveries left. */
export async function recordDeliveryOutcome(
  db: DbOrTx,
  input: { jobId: string; postId: string; outcome: DeliveryOutcome },
): Promise<PostingJobRow | null> {
  const [job] = await runStatement<Record<string, unknown>>(db, recordOutcomeStatement, [input.jobId, input.postId, input.outcome]);
  return job ? fromDriverRow<PostingJobRow>(jobColumns, job) : null;
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
