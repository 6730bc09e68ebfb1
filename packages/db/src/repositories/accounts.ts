import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { accounts, type AccountLimitsOverride } from '../schema.ts';

export type Account = typeof accounts.$inferSelect;
export type NewAccount = Pick<typeof accounts.$inferInsert, 'kind' | 'name' | 'email' | 'credentialsEncrypted' | 'limits'>;
export type { AccountLimitsOverride };

/** Pacing an account actually runs with: its overrides over the configured defaults. */
export interface AccountLimits {
  daily_cap: number;
  min_gap_seconds: number;
  posting_hours: { from: string; to: string } | null;
  timezone: string;
}

/** The configured defaults (the pacing config section). */
export interface PacingDefaults {
  dailyCap: number;
  minGapSeconds: number;
  postingHours: { from: string; to: string } | null;
  timezone: string;
  /** Defaults of an account kind that differ from the ones above (browser accounts: more conservative). */
  byKind?: Partial<Record<string, { dailyCap?: number; minGapSeconds?: number }>>;
}

/** Merges an account's stored overrides over the defaults of its kind; a missing key means the default. */
export function effectiveLimits(override: AccountLimitsOverride, defaults: PacingDefaults, kind: string): AccountLimits {
  const ofKind = defaults.byKind?.[kind];
  return {
    daily_cap: override.daily_cap ?? ofKind?.dailyCap ?? defaults.dailyCap,
    min_gap_seconds: override.min_gap_seconds ?? ofKind?.minGapSeconds ?? defaults.minGapSeconds,
    // null is a real override here: "any hour".
    posting_hours: override.posting_hours !== undefined ? override.posting_hours : defaults.postingHours,
    timezone: override.timezone ?? defaults.timezone,
  };
}


const owned = (userId: string, id: string) =>
  and(eq(accounts.userId, userId), eq(accounts.id, id), isNull(accounts.deletedAt));

export async function createAccount(db: DbOrTx, userId: string, values: NewAccount): Promise<Account> {
  const [account] = await db
    .insert(accounts)
    .values({ ...values, userId })
    .returning();
  return account!;
}

export async function listAccounts(db: DbOrTx, userId: string): Promise<Account[]> {
  return db
    .select()
    .from(accounts)
    .where(and(eq(accounts.userId, userId), isNull(accounts.deletedAt)))
    .orderBy(asc(accounts.createdAt), asc(accounts.id));
}

/** The account if it belongs to the user and is not deleted. */
export async function findAccount(db: DbOrTx, userId: string, id: string): Promise<Account | null> {
  const [account] = await db.select().from(accounts).where(owned(userId, id));
  return account ?? null;
}

export interface AccountChanges {
  name?: string;
  email?: string | null;
  /** Merged into the stored overrides, key by key. */
  limits?: AccountLimitsOverride;
}

export async function updateAccount(db: DbOrTx, userId: string, id: string, changes: AccountChanges): Promise<Account | null> {
  const { limits, ...fields } = changes;
  const [account] = await db
    .update(accounts)
    .set({
      ...fields,
      ...(limits && { limits: sql`${accounts.limits} || ${JSON.stringify(limits)}::jsonb` }),
      updatedAt: new Date(),
    })
    .where(owned(userId, id))
    .returning();
  return account ?? null;
}

/** Stores a fresh session: its validity is unknown again until the next check. */
export async function replaceAccountSession(
  db: DbOrTx,
  userId: string,
  id: string,
  credentialsEncrypted: string,
): Promise<Account | null> {
  const now = new Date();
  const [account] = await db
    .update(accounts)
    .set({
      credentialsEncrypted,
      sessionUpdatedAt: now,
      sessionValid: null,
      sessionCheckTemporaryFailure: false,
      updatedAt: now,
    })
    .where(owned(userId, id))
    .returning();
  return account ?? null;
}

/** The caller's live account, locked for this transaction; null when it is not theirs or deleted. */
export async function lockAccount(tx: DbOrTx, userId: string, id: string): Promise<{ id: string } | null> {
  const [account] = await tx.select({ id: accounts.id }).from(accounts).where(owned(userId, id)).for('update');
  return account ?? null;
}

export async function softDeleteAccount(tx: DbOrTx, userId: string, id: string): Promise<void> {
  const now = new Date();
  await tx.update(accounts).set({ deletedAt: now, updatedAt: now }).where(owned(userId, id));
}

/** Who owns a live account (operator tools that are given only its id); null when there is none. */
export async function ownerOfAccount(db: DbOrTx, id: string): Promise<string | null> {
  const [row] = await db.select({ userId: accounts.userId }).from(accounts).where(and(eq(accounts.id, id), isNull(accounts.deletedAt)));
  return row?.userId ?? null;
}
