import type { DbOrTx } from '../client.ts';
import { deliveryColumns, markPostedSql, postedParams, type ClaimFence, type DeliveryRow, type PostedResult } from './delivery-runs.ts';
import type { NewDeliveryLog } from './delivery-logs.ts';
import { countOutcomeSql, jobColumns, type PostingJobRow } from './posting-jobs.ts';
import { fromDriverRow, runStatement } from './statements.ts';

/**
 * A publication recorded in ONE statement (atomic without a transaction), under the claim fence:
 * the delivery `posted` ($1-$4, `markPostedSql`), its attempt $5 closed as posted, the log line
 * ($6-$9; its delivery is the fenced one) appended, and the outcome counted into its posting job. Nothing is written when the
 * claim was taken over.
 */
const recordPostedStatement = {
  name: 'attempts.record_posted',
  text: `
    with posted as (${markPostedSql}
    ), finished as (
      update delivery_attempts a set outcome = 'posted', provider_post_id = $3, finished_at = now()
      from posted where a.id = $5
      returning a.id
    ), logged as (
      insert into delivery_logs (delivery_id, attempt_no, level, message, fields)
      select id, $6::int, $7, $8, $9::jsonb from posted
    ), source as (
      select posting_job_id as job_id, post_id, 'posted' as outcome from posted where posting_job_id is not null
    ), ${countOutcomeSql('source')}
    select posted.*, (select row_to_json(counted_job) from counted_job) as posting_job
    from posted`,
};

/** The delivery as posted and its posting job as counted (null without one, or when already counted); null when the claim was lost. */
export async function recordPosted(
  db: DbOrTx,
  fence: ClaimFence,
  input: PostedResult & { attemptId: string; logLine: NewDeliveryLog },
): Promise<{ delivery: DeliveryRow; postingJob: PostingJobRow | null } | null> {
  const { attemptNo, level, message, fields } = input.logLine;
  const [row] = await runStatement<Record<string, unknown>>(db, recordPostedStatement, [
    ...postedParams(fence, input),
    input.attemptId,
    attemptNo,
    level,
    message,
    JSON.stringify(fields),
  ]);
  if (!row) return null;
  const job = row.posting_job as Record<string, unknown> | null;
  return {
    delivery: fromDriverRow<DeliveryRow>(deliveryColumns, row),
    postingJob: job ? fromDriverRow<PostingJobRow>(jobColumns, job) : null,
  };
}
