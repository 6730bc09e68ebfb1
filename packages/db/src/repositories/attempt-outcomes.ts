import type { DbOrTx } from '../client.ts';
import { deliveryColumns, lockPostsSql, markPostedSql, type ClaimFence, type DeliveryRow, type PostedResult } from './delivery-runs.ts';
import type { NewDeliveryLog } from './delivery-logs.ts';
import { countOutcomeSql, jobColumns, type PostingJobRow } from './posting-jobs.ts';
import { fromDriverRow, inInputOrder, runStatement } from './statements.ts';

/**
 * Publications recorded in ONE statement (atomic without a transaction), for a batch of
 * attempts, each under its claim fence: the delivery `posted` (`markPostedSql`), its attempt
 * closed as posted, its log line appended, and the outcomes counted into their posting jobs.
 * The deliveries are locked first, then their posts, each in id order (`lockPostsSql`).
 * Nothing is written for an attempt whose claim was taken over. A job counted here comes back
 * with the first of its deliveries in the batch only, so its progress is announced once.
 */
const recordPostedStatement = {
  name: 'attempts.record_posted',
  text: `
    with input as (
      select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::int[], $7::text[], $8::text[], $9::text[])
        with ordinality as input(id, token, provider_post_id, permalink, attempt_id, log_attempt_no, log_level, log_message, log_fields, ord)
    ), locked_deliveries as (
      select found.post_id from (select * from input order by id) i cross join lateral (
        select d.post_id from deliveries d where d.id = i.id for update
      ) found
    ), ${lockPostsSql('locked_deliveries')}, posted as (${markPostedSql('input')}
    ), finished as (
      update delivery_attempts a set outcome = 'posted', provider_post_id = input.provider_post_id, finished_at = now()
      from posted join input on input.ord = posted.ord where a.id = input.attempt_id
    ), logged as (
      insert into delivery_logs (delivery_id, attempt_no, level, message, fields)
      select posted.id, input.log_attempt_no, input.log_level, input.log_message, input.log_fields::jsonb
      from posted join input on input.ord = posted.ord order by posted.ord
    ), source as (
      select posting_job_id as job_id, post_id, 'posted' as outcome from posted where posting_job_id is not null
    ), ${countOutcomeSql('source')}
    select posted.*,
           (select row_to_json(counted_job) from counted_job
            where counted_job.id = posted.posting_job_id
              and posted.ord = (select min(mate.ord) from posted mate where mate.posting_job_id = posted.posting_job_id)) as posting_job
    from posted`,
};

export interface PostedAttempt extends PostedResult {
  fence: ClaimFence;
  attemptId: string;
  logLine: NewDeliveryLog;
}

export interface RecordedPublication {
  delivery: DeliveryRow;
  /** The posting job as counted: null without one, when already counted, or when a batch-mate carries it. */
  postingJob: PostingJobRow | null;
}

/** One result per input, in order; null where the claim was lost. */
export async function recordPublications(db: DbOrTx, inputs: PostedAttempt[]): Promise<(RecordedPublication | null)[]> {
  const rows = await runStatement<Record<string, unknown>>(db, recordPostedStatement, [
    inputs.map((input) => input.fence.deliveryId),
    inputs.map((input) => input.fence.token),
    inputs.map((input) => input.providerPostId),
    inputs.map((input) => input.permalink),
    inputs.map((input) => input.attemptId),
    inputs.map((input) => input.logLine.attemptNo),
    inputs.map((input) => input.logLine.level),
    inputs.map((input) => input.logLine.message),
    inputs.map((input) => JSON.stringify(input.logLine.fields)),
  ]);
  return inInputOrder(inputs.length, rows, (row) => {
    const job = row.posting_job as Record<string, unknown> | null;
    return {
      delivery: fromDriverRow<DeliveryRow>(deliveryColumns, row),
      postingJob: job ? fromDriverRow<PostingJobRow>(jobColumns, job) : null,
    };
  });
}
