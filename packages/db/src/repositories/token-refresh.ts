import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client.ts';
import { accounts } from '../schema.ts';
import type { Account } from './accounts.ts';

/**
 * Instagram accounts (of every owner: a system sweep, like dispatch) whose session was stored
 * before `storedBefore`, oldest first. The caller reads their credentials to keep only the
 * Instagram Login ones, whose tokens expire.
 */
export async function listInstagramSessionsStoredBefore(db: DbOrTx, storedBefore: Date): Promise<Account[]> {
  return db
    .select()
    .from(accounts)
    .where(and(eq(accounts.kind, 'instagram_business'), isNull(accounts.deletedAt), lt(accounts.sessionUpdatedAt, storedBefore)))
    .orderBy(asc(accounts.sessionUpdatedAt));
}

export interface SweptSession {
  userId: string;
  accountId: string;
  /** `session_updated_at` as the sweep read it: a session replaced since then is left alone. */
  sessionUpdatedAt: Date;
  message: string;
}

/** The account, still holding the session the sweep read (a person's new token wins over the sweep). */
const sameSession = (input: SweptSession) =>
  and(
    eq(accounts.id, input.accountId),
    eq(accounts.userId, input.userId),
    isNull(accounts.deletedAt),
    // The row keeps microseconds; what the sweep read came back as a JavaScript Date.
    sql`date_trunc('milliseconds', ${accounts.sessionUpdatedAt}) = ${input.sessionUpdatedAt.toISOString()}::timestamptz`,
  );

/** Records the sweep's finding on the session it read; null when the session was replaced meanwhile. */
async function updateSweptSession(db: DbOrTx, input: SweptSession, values: PgUpdateSetSource<typeof accounts>): Promise<Account | null> {
  const [row] = await db
    .update(accounts)
    .set({ ...values, sessionMessage: input.message, sessionCheckedAt: sql`now()`, updatedAt: sql`now()` })
    .where(sameSession(input))
    .returning();
  return row ?? null;
}

/** Stores the refreshed token: a new session (its 60 days start now), known valid. Null when the session was replaced meanwhile. */
export function saveRefreshedToken(db: DbOrTx, input: SweptSession & { credentialsEncrypted: string }): Promise<Account | null> {
  return updateSweptSession(db, input, {
    credentialsEncrypted: input.credentialsEncrypted,
    sessionUpdatedAt: sql`now()`,
    sessionValid: true,
    sessionCheckTemporaryFailure: false,
  });
}

/**
 * A refresh that failed: while the token lives, a temporary failure of its check (what was known
 * stays); once expired, known invalid. Null when the session was replaced meanwhile.
 */
export function recordTokenRefreshFailure(db: DbOrTx, input: SweptSession & { expired: boolean }): Promise<Account | null> {
  return updateSweptSession(db, input, { ...(input.expired ? { sessionValid: false } : {}), sessionCheckTemporaryFailure: !input.expired });
}
