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
): Promise<void> {
  await db
    .update(accounts)
    .set({
      cooldownUntil: sql`greatest(coalesce(${accounts.cooldownUntil}, ${input.until}), ${input.until})`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(accounts.id, input.accountId), eq(accounts.userId, input.userId)));
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
