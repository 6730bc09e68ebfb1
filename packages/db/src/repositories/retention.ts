import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';

export interface RetentionResult {
  logs: number;
  attempts: number;
  artifacts: number;
  jobs: number;
  idempotencyKeys: number;
}

/**
 * Deletes history older than the cutoff: logs, attempts of deliveries that have finished,
 * screenshots, finished posting jobs, and idempotency keys past their 24 hours.
 * Never touches a delivery that still has work ahead.
 */
export async function deleteExpiredHistory(db: DbOrTx, cutoff: Date, idempotencyCutoff: Date): Promise<RetentionResult> {
  const count = async (query: ReturnType<typeof sql>) => (await db.execute(query)).rowCount ?? 0;
  const finishedDelivery = sql`(select id from deliveries where status in ('posted', 'failed', 'canceled'))`;
  return {
    logs: await count(sql`delete from delivery_logs where created_at < ${cutoff} and delivery_id in ${finishedDelivery}`),
    artifacts: await count(sql`delete from artifacts where created_at < ${cutoff}`),
    attempts: await count(
      sql`delete from delivery_attempts where started_at < ${cutoff} and outcome <> 'running' and delivery_id in ${finishedDelivery}`,
    ),
    jobs: await count(sql`delete from posting_jobs where completed_at < ${cutoff}`),
    idempotencyKeys: await count(sql`delete from idempotency_keys where created_at < ${idempotencyCutoff}`),
  };
}
