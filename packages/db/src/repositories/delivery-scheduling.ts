import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { deliveries, posts } from '../schema.ts';
import type { Channel, DeliveryStatus } from '../statuses.ts';
import { positionOf } from './keyset.ts';

/** What the producer needs to put a delivery on its queue. */
export interface QueueableDelivery {
  id: string;
  postId: string;
  userId: string;
  channel: Channel;
  run: number;
  status: DeliveryStatus;
  dueAt: Date | null;
  postingJobId: string | null;
}

const queueable = {
  id: deliveries.id,
  postId: deliveries.postId,
  userId: deliveries.userId,
  channel: sql<Channel>`${deliveries.channel}`,
  run: deliveries.run,
  status: sql<DeliveryStatus>`${deliveries.status}`,
  dueAt: deliveries.dueAt,
  postingJobId: deliveries.postingJobId,
};

/**
 * Deliveries of the caller's live (not deleted) posts, in the given states, locked for this
 * transaction, and then their posts. Every writer of several deliveries locks in this order
 * (deliveries by id, then their posts by id; the workers' batches too), so none of them can
 * deadlock with another.
 */
export async function lockDeliveriesOfPosts(
  tx: DbOrTx,
  userId: string,
  postIds: string[],
  statuses: readonly DeliveryStatus[],
): Promise<QueueableDelivery[]> {
  if (postIds.length === 0) return [];
  const locked = await tx
    .select(queueable)
    .from(deliveries)
    .innerJoin(posts, eq(posts.id, deliveries.postId))
    .where(
      and(
        eq(deliveries.userId, userId),
        eq(posts.userId, userId),
        isNull(posts.deletedAt),
        inArray(deliveries.postId, postIds),
        inArray(deliveries.status, [...statuses]),
      ),
    )
    .orderBy(asc(deliveries.id))
    .for('update', { of: deliveries });
  await lockPostsOf(tx, locked);
  return locked;
}

/** An account's deliveries in the given states, locked in id order, then their posts (see lockDeliveriesOfPosts). */
export async function lockDeliveriesOfAccount(
  tx: DbOrTx,
  userId: string,
  accountId: string,
  statuses: readonly DeliveryStatus[],
): Promise<QueueableDelivery[]> {
  const locked = await tx
    .select(queueable)
    .from(deliveries)
    .where(and(eq(deliveries.userId, userId), eq(deliveries.accountId, accountId), inArray(deliveries.status, [...statuses])))
    .orderBy(asc(deliveries.id))
    .for('update');
  await lockPostsOf(tx, locked);
  return locked;
}

/** Every delivery of the user in these statuses, locked (deleting the user). */
export async function lockDeliveriesOfUser(tx: DbOrTx, userId: string, statuses: readonly DeliveryStatus[]): Promise<QueueableDelivery[]> {
  const locked = await tx
    .select(queueable)
    .from(deliveries)
    .where(and(eq(deliveries.userId, userId), inArray(deliveries.status, [...statuses])))
    .orderBy(asc(deliveries.id))
    .for('update');
  await lockPostsOf(tx, locked);
  return locked;
}

/** The posts of locked deliveries, in id order: before the status trigger locks them one by one in write order. */
async function lockPostsOf(tx: DbOrTx, locked: { postId: string }[]): Promise<void> {
  const postIds = [...new Set(locked.map((d) => d.postId))];
  if (postIds.length === 0) return;
  await tx.select({ id: posts.id }).from(posts).where(inArray(posts.id, postIds)).orderBy(asc(posts.id)).for('update');
}

/** Marks deliveries a worker holds right now: when that attempt ends without posting, they become canceled. */
export async function requestCancel(tx: DbOrTx, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await tx
    .update(deliveries)
    .set({ cancelRequestedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(inArray(deliveries.id, ids), eq(deliveries.status, 'processing')))
    .returning({ id: deliveries.id });
  return rows.length;
}

/** Ids of the caller's live posts whose derived status is one of `statuses`. */
export async function findPostIdsByStatus(
  tx: DbOrTx,
  userId: string,
  postIds: string[],
  statuses: readonly string[],
): Promise<string[]> {
  if (postIds.length === 0) return [];
  const rows = await tx
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.userId, userId), isNull(posts.deletedAt), inArray(posts.id, postIds), inArray(posts.status, [...statuses])));
  return rows.map((r) => r.id);
}

/** Every user's pending posts that are due (no time set, or a time already past): for the CLI. */
export async function findDuePendingPosts(db: DbOrTx, now: Date): Promise<{ id: string; userId: string }[]> {
  return db
    .select({ id: posts.id, userId: posts.userId })
    .from(posts)
    .where(and(isNull(posts.deletedAt), eq(posts.status, 'pending'), or(isNull(posts.scheduledAt), lte(posts.scheduledAt, now))))
    .orderBy(asc(posts.createdAt));
}

/**
 * Starts a new run for deliveries: a new run number (so a new BullMQ job id), the given
 * status and due time, under its new posting job, and, for a manual retry, a fresh attempt budget.
 */
export async function startRun(
  tx: DbOrTx,
  ids: string[],
  input: { status: 'queued' | 'scheduled'; dueAt: Date; postingJobId: string; freshAttempts?: boolean },
): Promise<QueueableDelivery[]> {
  if (ids.length === 0) return [];
  return tx
    .update(deliveries)
    .set({
      status: input.status,
      postingJobId: input.postingJobId,
      dueAt: input.dueAt,
      run: sql`${deliveries.run} + 1`,
      nextAttemptAt: null,
      claimToken: null,
      cancelRequestedAt: null,
      ...(input.freshAttempts ? { attemptsBeforeRun: sql`${deliveries.attemptCount}` } : {}),
      updatedAt: new Date(),
    })
    .where(inArray(deliveries.id, ids))
    .returning(queueable);
}

/** Cancels deliveries that have not started processing; returns those it canceled. */
export async function cancelDeliveries(tx: DbOrTx, ids: string[]): Promise<QueueableDelivery[]> {
  if (ids.length === 0) return [];
  return tx
    .update(deliveries)
    .set({ status: 'canceled', nextAttemptAt: null, updatedAt: new Date() })
    .where(and(inArray(deliveries.id, ids), inArray(deliveries.status, ['pending', 'scheduled', 'queued', 'retrying'])))
    .returning(queueable);
}

export async function setPostSchedule(tx: DbOrTx, userId: string, postId: string, scheduledAt: Date | null) {
  await tx
    .update(posts)
    .set({ scheduledAt, updatedAt: new Date() })
    .where(and(eq(posts.id, postId), eq(posts.userId, userId)));
}

/**
 * Deliveries the dispatch pass must have in Redis: live ones due before `until`, plus ones
 * left `processing` by a worker whose claim lease has expired (it died or hung).
 */
export async function findDispatchable(
  db: DbOrTx,
  input: { until: Date; limit: number; after?: DispatchPosition },
): Promise<(QueueableDelivery & { position: DispatchPosition })[]> {
  const live = and(
    inArray(deliveries.status, ['scheduled', 'queued', 'retrying']),
    lte(deliveries.dueAt, input.until),
  );
  const stale = and(
    eq(deliveries.status, 'processing'),
    or(isNull(deliveries.claimExpiresAt), lt(deliveries.claimExpiresAt, sql`now()`)),
  );
  // Pages on the text form of due_at: a JS Date drops Postgres' microseconds, and a page of
  // rows sharing one microsecond timestamp would then be read again forever.
  const page = input.after
    ? sql`(${deliveries.dueAt}, ${deliveries.id}) > (${input.after.dueAt}::timestamptz, ${input.after.id}::uuid)`
    : undefined;
  const rows = await db
    .select({ ...queueable, duePosition: positionOf(deliveries.dueAt) })
    .from(deliveries)
    .where(and(or(live, stale), page))
    .orderBy(asc(deliveries.dueAt), asc(deliveries.id))
    .limit(input.limit);
  return rows.map(({ duePosition, ...row }) => ({ ...row, position: { dueAt: duePosition, id: row.id } }));
}

export interface DispatchPosition {
  dueAt: string;
  id: string;
}

export async function postExists(tx: DbOrTx, userId: string, postId: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.id, postId), eq(posts.userId, userId), isNull(posts.deletedAt)));
  return row !== undefined;
}

/** The caller's live posts that have at least one failed delivery. */
export async function findPostIdsWithFailedDeliveries(tx: DbOrTx, userId: string): Promise<string[]> {
  const rows = await tx
    .selectDistinct({ id: deliveries.postId })
    .from(deliveries)
    .innerJoin(posts, eq(posts.id, deliveries.postId))
    .where(and(eq(deliveries.userId, userId), eq(deliveries.status, 'failed'), isNull(posts.deletedAt)));
  return rows.map((r) => r.id);
}

/** Operator tools (the CLI) act on posts by id across users: who owns each live post. */
export async function ownersOfPosts(db: DbOrTx, postIds: string[]): Promise<{ id: string; userId: string }[]> {
  if (postIds.length === 0) return [];
  return db
    .select({ id: posts.id, userId: posts.userId })
    .from(posts)
    .where(and(inArray(posts.id, postIds), isNull(posts.deletedAt)));
}
