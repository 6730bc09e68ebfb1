import Type, { type Static } from 'typebox';
import { accountKinds } from '@autoposter/db';
import { effectiveLimits, type Account, type PacingDefaults } from '@autoposter/db/repositories/accounts';
import { Nullable, NullableTimestamp, Timestamp, Uuid, toIso } from '../schemas/common.ts';
import { accountHealthStatus, sessionExists } from './health.ts';
import { LimitsBody } from './limits.ts';

/** An account as clients see it: never its credentials. */
export const AccountBody = Type.Object({
  id: Uuid,
  kind: Type.Enum(accountKinds),
  name: Type.String(),
  email: Nullable(Type.String()),
  session_exists: Type.Boolean(),
  session_updated_at: NullableTimestamp,
  session_valid: Nullable(Type.Boolean()),
  health_status: Type.Enum(['healthy', 'warning', 'error']),
  limits: LimitsBody,
  cooldown_until: NullableTimestamp,
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function accountView(account: Account, defaults: PacingDefaults, now = new Date()): Static<typeof AccountBody> {
  return {
    id: account.id,
    kind: account.kind as Static<typeof AccountBody>['kind'],
    name: account.name,
    email: account.email,
    session_exists: sessionExists(account),
    session_updated_at: toIso(account.sessionUpdatedAt),
    session_valid: account.sessionValid,
    health_status: accountHealthStatus(account, now),
    limits: effectiveLimits(account.limits, defaults, account.kind),
    cooldown_until: toIso(account.cooldownUntil),
    created_at: account.createdAt.toISOString(),
    updated_at: account.updatedAt.toISOString(),
  };
}
