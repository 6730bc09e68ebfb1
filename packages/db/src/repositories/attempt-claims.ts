import type { DbOrTx } from '../client.ts';
import { deliveryAttempts, media } from '../schema.ts';
import type { AttemptHistory, AttemptRow } from './attempts.ts';
import { claimDeliveriesSql, deliveryColumns, type ClaimInput, type DeliveryRow, type MediaRow, type PostRow } from './delivery-runs.ts';
import { jobColumns, type PostingJobRow } from './posting-jobs.ts';
import { postColumns } from './posts.ts';
import { columnList, columnsOf, fromDriverRow, inInputOrder, jsonColumnList, runStatement } from './statements.ts';

/** What a worker needs once it holds a delivery: its new attempt and everything the publish request is built from. */
export interface ClaimedAttempt {
  delivery: DeliveryRow;
  attempt: AttemptRow;
  /** The delivery's posting job, now `running` with this post as current; null without one (or once it finished). */
  postingJob: PostingJobRow | null;
  /** The post, scoped to its owner; null when it is gone. */
  post: PostRow | null;
  /** The owner's media rows the post references, in no particular order (missing ones are left out). */
  media: MediaRow[];
  history: AttemptHistory;
}

const attemptColumns = columnsOf(deliveryAttempts);
const mediaColumns = columnsOf(media);

/**
 * Claims and the start of their attempts in ONE statement (atomic without a transaction), for
 * a batch of deliveries: claim each (`claimDeliveriesSql`; $3-$5 the ids, runs and tokens;
 * locked in id order, then their posts),
 * abandon attempts a dead worker left running (their outcome unknown), open attempt number
 * attempt_count for worker $6, mark each posting job running with one of its claimed posts as
 * current, and read each post, its media and what earlier attempts left behind. Every part but
 * the claim runs only for the deliveries whose claim matched.
 *
 * All parts read the statement's snapshot, taken before its own writes: the history is the
 * earlier attempts as they were plus those this statement abandoned, which is what reading it
 * after the claim committed would show.
 */
const claimAndStartStatement = {
  name: 'attempts.claim_and_start',
  text: `
    with input as (
      select * from unnest($3::uuid[], $4::int[], $5::text[]) with ordinality as input(id, run, token, ord)
    ), ${claimDeliveriesSql('input')}, retried as (
      select id, user_id from claimed where attempt_count > 1
    ), earlier as (
      select a.delivery_id, a.started_at, a.attempt_no, a.outcome_unknown, a.provider_state
      from delivery_attempts a join retried on a.delivery_id = retried.id and a.user_id = retried.user_id
      where exists (select from retried)
    ), abandoned as (
      update delivery_attempts a set outcome = 'abandoned', outcome_unknown = true, finished_at = now()
      from retried where a.delivery_id = retried.id and a.user_id = retried.user_id and a.outcome = 'running'
        and exists (select from retried)
      returning a.delivery_id, a.started_at
    ), attempt as (
      insert into delivery_attempts (delivery_id, user_id, attempt_no, worker_id)
      select id, user_id, attempt_count, $6 from claimed
      returning ${columnList(attemptColumns)}
    ), job as (
      update posting_jobs j
      set status = 'running', started_at = coalesce(j.started_at, now()), current_post_id = claimed.post_id,
          current_post_title = (select coalesce(p.title, left(p.body, 80)) from posts p where p.id = claimed.post_id)
      from claimed where j.id = claimed.posting_job_id and j.status in ('queued', 'running')
      returning ${columnList(jobColumns, 'j')}
    ), post as (
      select ${jsonColumnList(postColumns, 'p')} from posts p
      where p.id in (select post_id from claimed) and p.user_id in (select user_id from claimed)
    )
    select claimed.*,
           (select row_to_json(attempt) from attempt where attempt.delivery_id = claimed.id) as attempt,
           (select row_to_json(job) from job where job.id = claimed.posting_job_id) as posting_job,
           (select row_to_json(post) from post where post.id = claimed.post_id and post.user_id = claimed.user_id) as post,
           (select coalesce(json_agg(m), '[]') from (
              select ${jsonColumnList(mediaColumns, 'm')} from media m join post on m.id = any(post.media_ids || post.video_media_id)
              where post.id = claimed.post_id and post.user_id = claimed.user_id and m.user_id = claimed.user_id) m) as media,
           (select min(started_at) from (
              select started_at from earlier where earlier.delivery_id = claimed.id and outcome_unknown
              union all select started_at from abandoned where abandoned.delivery_id = claimed.id) unknown) as unknown_since,
           (select provider_state from earlier
            where earlier.delivery_id = claimed.id and provider_state is not null order by attempt_no desc limit 1) as saved_state
    from claimed`,
};

type JsonRow = Record<string, unknown>;

export interface ClaimBatch {
  /** The lease each claim gets, in ms. */
  leaseMs: number;
  /** The worker's clock: a delivery due later is not claimed. */
  now: Date;
  workerId: string;
}

/**
 * Claims the deliveries and starts their attempts (see above): one result per input, in order,
 * null where the claim lost the race.
 */
export async function claimAndStartAttempts(db: DbOrTx, batch: ClaimBatch, inputs: ClaimInput[]): Promise<(ClaimedAttempt | null)[]> {
  const rows = await runStatement<JsonRow>(db, claimAndStartStatement, [
    batch.leaseMs,
    batch.now,
    inputs.map((input) => input.deliveryId),
    inputs.map((input) => input.run),
    inputs.map((input) => input.token),
    batch.workerId,
  ]);
  return inInputOrder(inputs.length, rows, toClaimedAttempt);
}

function toClaimedAttempt(row: JsonRow): ClaimedAttempt {
  const unknownSince = row.unknown_since as string | null;
  return {
    delivery: fromDriverRow<DeliveryRow>(deliveryColumns, row),
    attempt: fromDriverRow<AttemptRow>(attemptColumns, row.attempt as JsonRow),
    postingJob: row.posting_job ? fromDriverRow<PostingJobRow>(jobColumns, row.posting_job as JsonRow) : null,
    post: row.post ? fromDriverRow<PostRow>(postColumns, row.post as JsonRow) : null,
    media: (row.media as JsonRow[]).map((medium) => fromDriverRow<MediaRow>(mediaColumns, medium)),
    history: {
      unknownSince: unknownSince === null ? null : (deliveryAttempts.startedAt.mapFromDriverValue(unknownSince) as Date),
      savedState: (row.saved_state as Record<string, unknown> | null) ?? null,
    },
  };
}
