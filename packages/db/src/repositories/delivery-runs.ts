import { and, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client.ts';
import { accounts, deliveries, media, posts } from '../schema.ts';
import type { DeliveryStatus, ErrorType } from '../statuses.ts';
import type { Account } from './accounts.ts';
import { columnList, columnsOf, fromDriverRow, inInputOrder, jsonColumnList, runStatement } from './statements.ts';

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
    select input.ord, ${columnList(deliveryColumns, 'd')},
           (select row_to_json(a) from (
              select ${jsonColumnList(accountColumns, 'a')} from accounts a
              where a.user_id = d.user_id and a.id = d.account_id and a.deleted_at is null) a) as account
    from unnest($1::uuid[]) with ordinality as input(id, ord) join deliveries d on d.id = input.id`,
};

export interface DeliveryWithAccount {
  delivery: DeliveryRow;
  /** The owner's account, unless deleted. */
  account: Account | null;
}

/**
 * `findDeliveryForJob` and each delivery's account in one read, for a batch: what a job needs
 * before it may claim. One result per id, in order; null for a delivery that is gone.
 */
export async function findDeliveriesWithAccounts(db: DbOrTx, deliveryIds: string[]): Promise<(DeliveryWithAccount | null)[]> {
  const rows = await runStatement<Record<string, unknown>>(db, deliveryWithAccountStatement, [deliveryIds]);
  return inInputOrder(deliveryIds.length, rows, (row) => {
    const account = row.account as Record<string, unknown> | null;
    return {
      delivery: fromDriverRow<DeliveryRow>(deliveryColumns, row),
      account: account ? fromDriverRow<Account>(accountColumns, account) : null,
    };
  });
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
 * Every writer of several deliveries locks in one order: the deliveries by id, then their
 * posts by id (the status trigger locks each written delivery's post, in whatever order the
 * plan writes the rows: two such statements could deadlock). This is the posts part: the CTE
 * `posts_locked` locks the posts of the (already locked) deliveries in relation `of` (a column
 * `post_id`), and a statement that then writes those deliveries puts `postsLockedFirst` in its
 * WHERE, which Postgres evaluates, taking all the locks, before the first write. The trigger
 * finds them held.
 */
export const lockPostsSql = (of: string) => `
  posts_locked as (
    select p.id from posts p where p.id in (select post_id from ${of}) order by p.id for update
  )`;
export const postsLockedFirst = '(select count(*) from posts_locked) >= 0';

/**
 * The optimistic lock, as the CTEs `takeable_now`, `posts_locked` and `claimed`: each delivery
 * of relation `input` (id, run, token, ord) that is of the expected run, in a takeable state,
 * without a cancel request and due, is locked and moved to `processing` under its fresh token
 * and a lease, counting the attempt. Of two workers racing for a delivery exactly one gets the
 * row: the other waits for the lock, re-checks the row as the winner left it, and gets none.
 * Each `claimed` row carries its input's `ord`. Parameters: $1 lease in ms, $2 the worker's now.
 *
 * The lookup runs per input row, in id order (a LATERAL subquery with FOR UPDATE, which the
 * planner cannot flatten), so each is a primary-key probe: joined as a whole, the planner may
 * scan every live delivery through the partial due index when its statistics are stale. Then
 * the posts are locked (`lockPostsSql`).
 */
export const claimDeliveriesSql = (input: string) => `
  takeable_now as (
    select i.ord, i.token, found.id, found.post_id
    from (select * from ${input} order by id) i cross join lateral (
      select d.id, d.post_id from deliveries d
      where d.id = i.id and d.run = i.run and ${takeableSql} and cancel_requested_at is null
        and (due_at is null or due_at <= $2::timestamptz)
      for update
    ) found
  ), ${lockPostsSql('takeable_now')}, claimed as (
    update deliveries d
    set status = 'processing', claim_token = t.token, claimed_at = now(), claim_expires_at = now() + $1::float8 * interval '1 millisecond',
        attempt_count = d.attempt_count + 1, next_attempt_at = null, updated_at = now()
    from takeable_now t
    where d.id = t.id and ${postsLockedFirst}
    returning t.ord, ${columnList(deliveryColumns, 'd')}
  )`;

export type ClaimInput = { deliveryId: string; run: number; token: string };

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
 * Each attempt of relation `input` (id, token, provider_post_id, permalink) published: its
 * delivery `posted`, the claim released, under the claim fence. A cancel requested meanwhile
 * does not undo a publication. Each returned row carries its input's `ord`. The statement must
 * lock the deliveries and then define `posts_locked` (`lockPostsSql`) over their posts.
 */
export const markPostedSql = (input: string) => `
  update deliveries d
  set status = 'posted', claim_token = null, claimed_at = null, claim_expires_at = null,
      last_error_type = null, last_error_code = null, last_error_message = null,
      provider_post_id = ${input}.provider_post_id, permalink = ${input}.permalink, posted_at = now(), next_attempt_at = null, updated_at = now()
  from ${input}
  where d.id = ${input}.id and d.claim_token = ${input}.token and ${postsLockedFirst}
  returning ${input}.ord, ${columnList(deliveryColumns, 'd')}`;

export type PostedResult = { providerPostId: string; permalink: string | null };

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

/**
 * The publisher asked to wait (a full quota, a throttled account) without using an attempt: the
 * delivery is due again at `until` and the attempt is given back to the run's budget (the
 * claim counted it). `canceled` instead when a cancel was requested meanwhile.
 */
export function deferDelivery(db: DbOrTx, fence: ClaimFence, until: Date): Promise<DeliveryRow | null> {
  return updateClaimed(db, fence, {
    ...releasedClaim,
    status: statusUnlessCanceled('queued'),
    dueAt: timeUnlessCanceled(sql`${until.toISOString()}::timestamptz`),
    attemptsBeforeRun: sql`${deliveries.attemptsBeforeRun} + 1`,
  });
}

/** Whether the holder of `fence` should still publish: it holds the claim, no cancel was asked, the post is not deleted. */
export async function isStillWanted(db: DbOrTx, fence: ClaimFence): Promise<{ wanted: boolean; reason: string | null }> {
  const [row] = await db
    .select({ cancelRequestedAt: deliveries.cancelRequestedAt, postDeletedAt: posts.deletedAt })
    .from(deliveries)
    .leftJoin(posts, eq(posts.id, deliveries.postId))
    .where(and(eq(deliveries.id, fence.deliveryId), eq(deliveries.claimToken, fence.token)));
  if (!row) return { wanted: false, reason: 'another worker took over this delivery' };
  if (row.cancelRequestedAt) return { wanted: false, reason: 'the delivery was canceled' };
  if (row.postDeletedAt) return { wanted: false, reason: 'the post was deleted' };
  return { wanted: true, reason: null };
}
