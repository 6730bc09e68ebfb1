import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { accounts, deliveries, type AccountLimitsOverride } from '../schema.ts';
import type { DeliveryStatus } from '../statuses.ts';

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
}

/** Merges an account's stored overrides over the defaults; a missing key means the default. */
export function effectiveLimits(override: AccountLimitsOverride, defaults: PacingDefaults): AccountLimits {
  return {
    daily_cap: override.daily_cap ?? defaults.dailyCap,
    min_gap_seconds: override.min_gap_seconds ?? defaults.minGapSeconds,
    // null is a real override here: "any hour".
    posting_hours: override.posting_hours !== undefined ? override.posting_hours : defaults.postingHours,
    timezone: override.timezone ?? defaults.timezone,
  };
}

/** Deleting an account cancels its deliveries that have not started. */
const cancelableOnDelete: DeliveryStatus[] = ['pending', 'scheduled', 'queued', 'retrying'];

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

/**
 * Soft-deletes an account and cancels its deliveries that have not started, in one transaction.
 * Refused ('processing') while one of its deliveries is being published.
 */
export async function deleteAccount(
  db: DbOrTx,
  userId: string,
  id: string,
): Promise<'deleted' | 'not_found' | 'processing'> {
  return db.transaction(async (tx) => {
    const [account] = await tx.select({ id: accounts.id }).from(accounts).where(owned(userId, id)).for('update');
    if (!account) return 'not_found';
    const ofAccount = and(eq(deliveries.userId, userId), eq(deliveries.accountId, id));
    // Locking them keeps a worker from claiming one between this check and the cancel.
    const open = await tx
      .select({ status: deliveries.status })
      .from(deliveries)
      .where(and(ofAccount, inArray(deliveries.status, [...cancelableOnDelete, 'processing'])))
      .for('update');
    if (open.some((delivery) => delivery.status === 'processing')) return 'processing';
    const now = new Date();
    await tx
      .update(deliveries)
      .set({ status: 'canceled', updatedAt: now })
      .where(and(ofAccount, inArray(deliveries.status, cancelableOnDelete)));
    await tx.update(accounts).set({ deletedAt: now, updatedAt: now }).where(eq(accounts.id, id));
    return 'deleted';
  });
}
