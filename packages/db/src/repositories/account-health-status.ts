import type { Account } from './accounts.ts';

export type AccountHealthStatus = 'healthy' | 'warning' | 'error';

/** The parts of an account row its health depends on. */
export type AccountSessionState = Pick<
  Account,
  'credentialsEncrypted' | 'sessionUpdatedAt' | 'sessionValid' | 'sessionCheckTemporaryFailure'
> & { cooldownUntil?: Date | null };

/** Sessions this old are flagged: Facebook tends to expire them around then. */
export const STALE_SESSION_DAYS = 30;
const DAY_MS = 86_400_000;

export const sessionExists = (row: AccountSessionState) => Boolean(row.credentialsEncrypted);

/** Whole days since the session was stored; null without a session. */
export function sessionAgeDays(row: AccountSessionState, now: Date): number | null {
  if (!sessionExists(row)) return null;
  return Math.max(0, Math.floor((now.getTime() - row.sessionUpdatedAt.getTime()) / DAY_MS));
}

/** error: missing or known invalid; warning: old, the last check failed temporarily, or blocked for now (a cooldown); healthy otherwise. */
export function accountHealthStatus(row: AccountSessionState, now: Date): AccountHealthStatus {
  if (!sessionExists(row) || row.sessionValid === false) return 'error';
  const age = sessionAgeDays(row, now) ?? 0;
  if (age >= STALE_SESSION_DAYS || row.sessionCheckTemporaryFailure) return 'warning';
  if (row.cooldownUntil && row.cooldownUntil > now) return 'warning';
  return 'healthy';
}
