import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';

export interface RetentionResult {
  logs: number;
  attempts: number;
  artifacts: number;
  jobs: number;
  idempotencyKeys: number;
  webhookCalls: number;
}

/**
 * Deletes history older than the cutoff: logs and attempts of deliveries that have finished
 * (with the screenshots those attempts point at), finished posting jobs, webhook call records,
 * and idempotency keys past their 24 hours. Never touches a delivery that still has work ahead, and keeps the
 * attempts of a failed delivery whose outcome is unknown: a manual retry must still look for
 * the post they may have made before publishing again.
 */
export async function deleteExpiredHistory(db: DbOrTx, cutoff: Date, idempotencyCutoff: Date): Promise<RetentionResult> {
  const count = async (query: ReturnType<typeof sql>) => (await db.execute(query)).rowCount ?? 0;
  const finished = sql`(select id from deliveries where status in ('posted', 'failed', 'canceled'))`;
  const settled = sql`(select id from deliveries where status in ('posted', 'canceled'))`;
  const logs = await count(sql`delete from delivery_logs where created_at < ${cutoff} and delivery_id in ${finished}`);
  const attempts = await db.execute<{ screenshot_artifact_id: string | null; page_html_artifact_id: string | null }>(sql`
    delete from delivery_attempts
     where started_at < ${cutoff} and outcome <> 'running' and delivery_id in ${finished}
       and (not outcome_unknown or delivery_id in ${settled})
    returning screenshot_artifact_id, page_html_artifact_id`);
  const screenshots = attempts.rows.flatMap((r) => [r.screenshot_artifact_id, r.page_html_artifact_id]).filter((id): id is string => id !== null);
  const linked = screenshots.length
    ? await count(sql`delete from artifacts where id in (${sql.join(screenshots.map((id) => sql`${id}::uuid`), sql`, `)})`)
    : 0;
  const orphaned = await count(sql`
    delete from artifacts a where a.created_at < ${cutoff}
       and not exists (select 1 from delivery_attempts t where t.screenshot_artifact_id = a.id or t.page_html_artifact_id = a.id)`);
  return {
    logs,
    attempts: attempts.rowCount ?? 0,
    artifacts: linked + orphaned,
    jobs: await count(sql`delete from posting_jobs where completed_at < ${cutoff}`),
    idempotencyKeys: await count(sql`delete from idempotency_keys where created_at < ${idempotencyCutoff}`),
    webhookCalls: await count(sql`delete from webhook_calls where created_at < ${cutoff}`),
  };
}
