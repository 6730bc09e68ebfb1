import { deleteExpiredHistory, type RetentionResult } from '@autoposter/db/repositories/retention';
import type { EngineContext } from './context.ts';

const DAY_MS = 86_400_000;

/** Daily: deletes logs, attempts, screenshots and finished jobs older than RETENTION_DAYS. */
export async function retentionPass(ctx: EngineContext): Promise<RetentionResult> {
  const now = ctx.now().getTime();
  const result = await deleteExpiredHistory(ctx.db, new Date(now - ctx.settings.retentionDays * DAY_MS), new Date(now - DAY_MS));
  ctx.logger.info({ ...result }, 'retention pass done');
  return result;
}
