import { and, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client.ts';
import { deliveries, media, posts } from '../schema.ts';
import type { DeliveryStatus, ErrorType } from '../statuses.ts';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type PostRow = typeof posts.$inferSelect;
export type MediaRow = typeof media.$inferSelect;

/** A worker may claim a delivery in these states (or a `processing` one whose claim went stale). */
export const claimableStatuses = ['scheduled', 'queued', 'retrying'] as const satisfies readonly DeliveryStatus[];

/**
 * The delivery a queue job points at. Jobs carry ids only, so this one read is by id; every
 * query after it is scoped by the delivery's user_id.
 */
export async function findDeliveryForJob(db: DbOrTx, deliveryId: string): Promise<DeliveryRow | null> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, deliveryId));
  return row ?? null;
}

/**
 * The optimistic lock: one conditional UPDATE moves the delivery to `processing` under a fresh
 * token, counting the attempt. It matches only the expected run, a claimable state (or a claim
 * older than `staleAfterMs`, by the database clock) and a due time already reached, so of two
 * workers racing for it exactly one gets the row; the other gets null.
 */
export async function claimDelivery(
  db: DbOrTx,
  input: { deliveryId: string; run: number; token: string; now: Date; staleAfterMs: number },
): Promise<DeliveryRow | null> {
  const stale = and(
    eq(deliveries.status, 'processing'),
    or(isNull(deliveries.claimedAt), lt(deliveries.claimedAt, sql`now() - ${input.staleAfterMs} * interval '1 millisecond'`)),
  );
  const [row] = await db
    .update(deliveries)
    .set({
      status: 'processing',
      claimToken: input.token,
      claimedAt: sql`now()`,
      attemptCount: sql`${deliveries.attemptCount} + 1`,
      nextAttemptAt: null,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(deliveries.id, input.deliveryId),
        eq(deliveries.run, input.run),
        or(inArray(deliveries.status, [...claimableStatuses]), stale),
        or(isNull(deliveries.dueAt), lte(deliveries.dueAt, input.now)),
      ),
    )
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

/** Keeps a live claim fresh so it is never mistaken for a dead worker's; false once it was taken over. */
export async function renewClaim(db: DbOrTx, fence: ClaimFence): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ claimedAt: sql`now()` })
    .where(and(eq(deliveries.id, fence.deliveryId), eq(deliveries.claimToken, fence.token)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

const releasedClaim = { claimToken: null, claimedAt: null } as const;
const noError = { lastErrorType: null, lastErrorCode: null, lastErrorMessage: null } as const;

export function markDeliveryPosted(
  db: DbOrTx,
  fence: ClaimFence,
  result: { providerPostId: string; permalink: string | null },
): Promise<DeliveryRow | null> {
  return updateClaimed(db, fence, {
    ...releasedClaim,
    ...noError,
    status: 'posted',
    providerPostId: result.providerPostId,
    permalink: result.permalink,
    postedAt: sql`now()`,
    nextAttemptAt: null,
  });
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

export function markDeliveryFailed(db: DbOrTx, fence: ClaimFence, error: DeliveryError): Promise<DeliveryRow | null> {
  return updateClaimed(db, fence, { ...releasedClaim, ...lastError(error), status: 'failed', nextAttemptAt: null });
}

/** The attempt failed for a passing reason: the delivery waits for `retryAt` (its next due time). */
export function markDeliveryRetrying(
  db: DbOrTx,
  fence: ClaimFence,
  error: DeliveryError,
  retryAt: Date,
): Promise<DeliveryRow | null> {
  return updateClaimed(db, fence, { ...releasedClaim, ...lastError(error), status: 'retrying', nextAttemptAt: retryAt, dueAt: retryAt });
}

/** Hands the delivery back (worker shutting down): due now, so another worker takes it at once. */
export function releaseDelivery(db: DbOrTx, fence: ClaimFence): Promise<DeliveryRow | null> {
  return updateClaimed(db, fence, { ...releasedClaim, status: 'queued', dueAt: sql`now()` });
}

/** The post's content, scoped to its owner. */
export async function findPostForPublish(db: DbOrTx, userId: string, postId: string): Promise<PostRow | null> {
  const [row] = await db
    .select()
    .from(posts)
    .where(and(eq(posts.id, postId), eq(posts.userId, userId)));
  return row ?? null;
}

/** The owner's media rows, in the order of `ids` (missing ones are left out). */
export async function findMediaForPublish(db: DbOrTx, userId: string, ids: string[]): Promise<MediaRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(media)
    .where(and(eq(media.userId, userId), inArray(media.id, ids)));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
