import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { accounts } from '../schema.ts';

export type AccountRow = typeof accounts.$inferSelect;

/** A publish attempt proved the session unusable (expired, revoked): the account needs a person. */
export async function markSessionInvalid(
  db: DbOrTx,
  input: { userId: string; accountId: string; message: string },
): Promise<AccountRow | null> {
  const [row] = await db
    .update(accounts)
    .set({
      sessionValid: false,
      sessionMessage: input.message,
      sessionCheckedAt: sql`now()`,
      sessionCheckTemporaryFailure: false,
      updatedAt: sql`now()`,
    })
    .where(and(eq(accounts.id, input.accountId), eq(accounts.userId, input.userId)))
    .returning();
  return row ?? null;
}

/** The provider blocked the account until `until`; an existing later cooldown is kept. */
export async function extendCooldown(
  db: DbOrTx,
  input: { userId: string; accountId: string; until: Date },
): Promise<AccountRow | null> {
  const [row] = await db
    .update(accounts)
    .set({
      cooldownUntil: sql`greatest(coalesce(${accounts.cooldownUntil}, ${input.until}), ${input.until})`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(accounts.id, input.accountId), eq(accounts.userId, input.userId)))
    .returning();
  return row ?? null;
}

/**
 * Stores credentials the provider refreshed during a publication (a browser's rotated cookies),
 * unless the session was replaced since the attempt read it (a person's update wins).
 * `session_updated_at` stays: only a person's update refreshes it.
 */
export async function saveRefreshedCredentials(
  db: DbOrTx,
  input: { userId: string; accountId: string; credentialsEncrypted: string; sessionUpdatedAt: Date },
): Promise<boolean> {
  const rows = await db
    .update(accounts)
    .set({ credentialsEncrypted: input.credentialsEncrypted, updatedAt: sql`now()` })
    .where(
      and(
        eq(accounts.id, input.accountId),
        eq(accounts.userId, input.userId),
        // The row keeps microseconds; what the attempt read came back as a JavaScript Date.
        sql`date_trunc('milliseconds', ${accounts.sessionUpdatedAt}) = ${input.sessionUpdatedAt.toISOString()}::timestamptz`,
        sql`${accounts.deletedAt} is null`,
      ),
    )
    .returning({ id: accounts.id });
  return rows.length > 0;
}

/** Live accounts of a kind, oldest first, across owners: what the session sweep walks through. */
export async function listAccountsOfKind(db: DbOrTx, kind: string): Promise<AccountRow[]> {
  return db
    .select()
    .from(accounts)
    .where(and(eq(accounts.kind, kind), sql`${accounts.deletedAt} is null`))
    .orderBy(accounts.createdAt);
}

/**
 * The result of checking the session on demand or at connect time: valid or known invalid, or
 * (temporary) the check itself could not be made, which keeps what was known and flags it.
 */
export async function recordSessionCheck(
  db: DbOrTx,
  input: { userId: string; accountId: string; valid: boolean; temporary: boolean; message: string },
): Promise<AccountRow | null> {
  const [row] = await db
    .update(accounts)
    .set({
      ...(input.temporary ? {} : { sessionValid: input.valid }),
      sessionCheckTemporaryFailure: input.temporary,
      sessionMessage: input.message,
      sessionCheckedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(accounts.id, input.accountId), eq(accounts.userId, input.userId)))
    .returning();
  return row ?? null;
}
