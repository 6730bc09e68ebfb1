import { and, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client.ts';
import { accounts, deliveries, media, posts } from '../schema.ts';
import type { DeliveryStatus, ErrorType } from '../statuses.ts';
import type { Account } from './accounts.ts';
import { columnList, columnsOf, fromDriverRow, jsonColumnList, runStatement } from './statements.ts';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type PostRow = typeof posts.$inferSelect;
export type MediaRow = typeof media.$inferSelect;

export const deliveryColumns = columnsOf(deliveries);

/** A worker may claim a delivery in these states (or a `processing` one whose lease expired). */
export const claimableStatuses = ['scheduled', 'queued', 'retrying'] as const satisfies readonly DeliveryStatus[];

/**
 * The delivery a queue job points at. Jobs carry ids only, so this one read is by id; every
 * query after it is scoped by the delivery's user_id.
 */
export async function findDeliveryForJob(db: DbOrTx, deliveryId: string): Promise<DeliveryRow | null> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, deliveryId));
  return row ?? null;
}

const accountColumns = columnsOf(accounts);

const deliveryWithAccountStatement = {
  name: 'deliveries.find_with_account',
  text: `
    select ${columnList(deliveryColumns, 'd')},
           (select row_to_json(a) from (
              select ${jsonColumnList(accountColumns, 'a')} from accounts a
              where a.user_id = d.user_id and a.id = d.account_id and a.deleted_at is null) a) as account
    from deliveries d where d.id = $1`,
};

/**
 * `findDeliveryForJob` and the delivery's account (the owner's, unless deleted) in one read:
 * what a job needs before it may claim.
 */
export async function findDeliveryWithAccount(db: DbOrTx, deliveryId: string): Promise<{ delivery: DeliveryRow; account: Account | null } | null> {
  const [row] = await runStatement<Record<string, unknown>>(db, deliveryWithAccountStatement, [deliveryId]);
  if (!row) return null;
  const account = row.account as Record<string, unknown> | null;
  return {
    delivery: fromDriverRow<DeliveryRow>(deliveryColumns, row),
    account: account ? fromDriverRow<Account>(accountColumns, account) : null,
  };
}

const msFromNow = (ms: number) => sql`now() + ${ms} * interval '1 millisecond'`;
const releasedClaim = { claimToken: null, claimedAt: null, claimExpiresAt: null } as const;

/**
 * Waiting for a worker, or `processing` under a lease its holder stopped renewing (by the
 * database clock). The holder wrote the lease with its own lock duration, so a reader never
 * judges someone else's claim by its own settings.
 */
const takeableSql = `(status in (${claimableStatuses.map((status) => `'${status}'`).join(', ')})
  or (status = 'processing' and (claim_expires_at is null or claim_expires_at < now())))`;
const takeable = sql.raw(takeableSql);


/**
 * The optimistic lock: one conditional UPDATE moves the delivery to `processing` under a fresh
 * token and a lease, counting the attempt. It matches only the expected run, a takeable state,
 * no cancel request and a due time already reached, so of two workers racing for it exactly
 * one gets the row; the other gets none. Parameters: $1 delivery, $2 run, $3 token, $4 lease
 * in ms, $5 the worker's now.
 */
export const claimDeliverySql = `
  update deliveries
  set status = 'processing', claim_token = $3, claimed_at = now(), claim_expires_at = now() + $4::float8 * interval '1 millisecond',
      attempt_count = attempt_count + 1, next_attempt_at = null, updated_at = now()
  where id = $1 and run = $2 and ${takeableSql} and cancel_requested_at is null and (due_at is null or due_at <= $5::timestamptz)
  returning ${columnList(deliveryColumns)}`;

export type ClaimInput = { deliveryId: string; run: number; token: string; now: Date; leaseMs: number };

export const claimParams = (input: ClaimInput) => [input.deliveryId, input.run, input.token, input.leaseMs, input.now];

/**
 * A delivery of this run whose cancel was requested while a worker held it, and which nobody
 * holds any more (its worker died, or it was handed back): it ends `canceled`, unpublished.
 */
export async function cancelUnheldDelivery(db: DbOrTx, input: { deliveryId: string; run: number }): Promise<DeliveryRow | null> {
  const [row] = await db
    .update(deliveries)
    .set({ ...releasedClaim, status: 'canceled', nextAttemptAt: null, updatedAt: sql`now()` })
    .where(and(eq(deliveries.id, input.deliveryId), eq(deliveries.run, input.run), takeable, isNotNull(deliveries.cancelRequestedAt)))
    .returning();
  return row ?? null;
}

export interface ClaimFence {
  deliveryId: string;
  token: string;
}

/** Every write of an attempt goes through here: it only lands while the claim is still ours. */
async function updateClaimed(db: DbOrTx, fence: ClaimFence, changes: PgUpdateSetSource<typeof deliveries>) {
  const [row] = await db
    .update(deliveries)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(eq(deliveries.id, fence.deliveryId), eq(deliveries.claimToken, fence.token)))
    .returning();
  return row ?? null;
}

/** Extends a live claim's lease by `leaseMs` from now; false once it was taken over. */
export async function renewClaim(db: DbOrTx, fence: ClaimFence, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ claimExpiresAt: msFromNow(leaseMs) })
    .where(and(eq(deliveries.id, fence.deliveryId), eq(deliveries.claimToken, fence.token)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/**
 * A cancel requested while the attempt ran wins over every end but `posted`: evaluated in the
 * same UPDATE, so a request that lands concurrently is either seen here or finds the delivery
 * no longer processing (and cancels it itself).
 */
const cancelWasRequested = sql`${deliveries.cancelRequestedAt} is not null`;
const statusUnlessCanceled = (status: DeliveryStatus) => sql`case when ${cancelWasRequested} then 'canceled' else ${status} end`;
const timeUnlessCanceled = (time: SQL) => sql`case when ${cancelWasRequested} then null else ${time} end`;

/**
 * The attempt published: `posted`, the claim released, under the claim fence. A cancel requested
 * meanwhile does not undo a publication. $1 delivery, $2 claim token, $3 provider post id, $4 permalink.
 */
export const markPostedSql = `
  update deliveries
  set status = 'posted', claim_token = null, claimed_at = null, claim_expires_at = null,
      last_error_type = null, last_error_code = null, last_error_message = null,
      provider_post_id = $3, permalink = $4, posted_at = now(), next_attempt_at = null, updated_at = now()
  where id = $1 and claim_token = $2
  returning ${columnList(deliveryColumns)}`;

export type PostedResult = { providerPostId: string; permalink: string | null };

export const postedParams = (fence: ClaimFence, result: PostedResult) => [fence.deliveryId, fence.token, result.providerPostId, result.permalink];

const markPostedStatement = { name: 'deliveries.mark_posted', text: markPostedSql };

export async function markDeliveryPosted(db: DbOrTx, fence: ClaimFence, result: PostedResult): Promise<DeliveryRow | null> {
  const [row] = await runStatement<Record<string, unknown>>(db, markPostedStatement, postedParams(fence, result));
  return row ? fromDriverRow<DeliveryRow>(deliveryColumns, row) : null;
}

export interface DeliveryError {
  type: ErrorType;
  code: string | null;
  message: string;
}

const lastError = (error: DeliveryError) => ({
  lastErrorType: error.type,
  lastErrorCode: error.code,
  lastErrorMessage: error.message,
});

/** The attempt failed for good: `failed`, or `canceled` when a cancel was requested meanwhile. */
export function markDeliveryFailed(db: DbOrTx, fence: ClaimFence, error: DeliveryError): Promise<DeliveryRow | null> {
  return updateClaimed(db, fence, { ...releasedClaim, ...lastError(error), status: statusUnlessCanceled('failed'), nextAttemptAt: null });
}

/**
 * The attempt failed for a passing reason: the delivery waits for `retryAt` (its next due
 * time), unless a cancel was requested meanwhile: then it is `canceled`.
 */
export function markDeliveryRetrying(
  db: DbOrTx,
  fence: ClaimFence,
  error: DeliveryError,
  retryAt: Date,
): Promise<DeliveryRow | null> {
  const at = timeUnlessCanceled(sql`${retryAt.toISOString()}::timestamptz`);
  return updateClaimed(db, fence, { ...releasedClaim, ...lastError(error), status: statusUnlessCanceled('retrying'), nextAttemptAt: at, dueAt: at });
}

/**
 * Hands the delivery back (worker shutting down), due in `dueInMs`; or `canceled` when a cancel
 * was requested meanwhile.
 */
export function releaseDelivery(db: DbOrTx, fence: ClaimFence, dueInMs: number): Promise<DeliveryRow | null> {
  return updateClaimed(db, fence, { ...releasedClaim, status: statusUnlessCanceled('queued'), dueAt: timeUnlessCanceled(msFromNow(dueInMs)) });
}
