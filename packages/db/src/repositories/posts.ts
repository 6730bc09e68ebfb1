import { and, asc, eq, exists, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { accounts, deliveries, media, posts } from '../schema.ts';
import type { Channel, PostStatus } from '../statuses.ts';

export type PostRow = typeof posts.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type PostWithDeliveries = PostRow & { deliveries: DeliveryRow[] };

/** What a user writes; everything else on a post is derived or bookkeeping. */
export type PostContent = Pick<
  typeof posts.$inferInsert,
  'title' | 'body' | 'price' | 'currency' | 'category' | 'condition' | 'location' | 'link' | 'mediaIds' | 'videoMediaId'
>;

export interface NewTarget {
  channel: Channel;
  accountId: string;
  targetId: string | null;
}

/** Keyset position in the newest-first listing; `createdAt` keeps Postgres' microseconds. */
export interface PostPosition {
  createdAt: string;
  id: string;
}

export interface PostListFilter {
  status?: PostStatus;
  channel?: Channel;
  accountId?: string;
}

/** Deliveries that have not started yet and can still be called off. */

// "nulls last" as in the posts_user_*_created_idx indexes: without it Postgres cannot read them in order.
const newestFirst = [sql`${posts.createdAt} desc nulls last`, sql`${posts.id} desc nulls last`];

const livePost = (userId: string) => and(eq(posts.userId, userId), isNull(posts.deletedAt));

/** The caller's accounts among `ids` that are not deleted. */
export async function findUsableAccounts(db: DbOrTx, userId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .select({ id: accounts.id, kind: accounts.kind })
    .from(accounts)
    .where(and(eq(accounts.userId, userId), inArray(accounts.id, ids), isNull(accounts.deletedAt)));
}

/** The caller's media among `ids`. */
export async function findOwnedMedia(db: DbOrTx, userId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .select({ id: media.id, mime: media.mime })
    .from(media)
    .where(and(eq(media.userId, userId), inArray(media.id, ids)));
}

/**
 * Inserts a post and one delivery per target; call it inside a transaction. Deliveries start
 * `scheduled` (due at `scheduledAt`) or `pending`; the post's status follows from them.
 */
export async function insertPostWithDeliveries(
  tx: DbOrTx,
  userId: string,
  content: PostContent,
  targets: NewTarget[],
  scheduledAt: Date | null,
): Promise<PostWithDeliveries> {
  const [post] = await tx.insert(posts).values({ ...content, userId, scheduledAt }).returning({ id: posts.id });
  await tx.insert(deliveries).values(
    targets.map((target, index) => ({
      ...target,
      postId: post!.id,
      userId,
      status: scheduledAt ? ('scheduled' as const) : ('pending' as const),
      dueAt: scheduledAt,
      // One microsecond apart, so reading them back by created_at keeps the order of the targets.
      createdAt: sql`now() + ${index} * interval '1 microsecond'`,
    })),
  );
  return (await findPost(tx, userId, post!.id))!;
}

export async function findPost(db: DbOrTx, userId: string, postId: string): Promise<PostWithDeliveries | undefined> {
  const [post] = await db
    .select()
    .from(posts)
    .where(and(eq(posts.id, postId), livePost(userId)));
  if (!post) return undefined;
  const [withDeliveries] = await attachDeliveries(db, userId, [post]);
  return withDeliveries;
}

/** One page of the caller's posts, newest first, plus the position of the page's last post. */
export async function listPosts(
  db: DbOrTx,
  userId: string,
  filter: PostListFilter,
  page: { limit: number; after?: PostPosition },
): Promise<{ items: PostWithDeliveries[]; last?: PostPosition }> {
  const rows = await db
    .select({ post: posts, position: sql<string>`to_char(${posts.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` })
    .from(posts)
    .where(and(livePost(userId), ...listConditions(db, userId, filter, page.after)))
    .orderBy(...newestFirst)
    .limit(page.limit + 1);
  const pageRows = rows.slice(0, page.limit);
  const lastRow = pageRows.at(-1);
  const hasMore = rows.length > page.limit;
  const items = await attachDeliveries(db, userId, pageRows.map((row) => row.post));
  return { items, last: hasMore && lastRow ? { createdAt: lastRow.position, id: lastRow.post.id } : undefined };
}

function listConditions(db: DbOrTx, userId: string, filter: PostListFilter, after?: PostPosition): SQL[] {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(posts.status, filter.status));
  if (filter.channel || filter.accountId) {
    const deliveryMatches = [eq(deliveries.postId, posts.id), eq(deliveries.userId, userId)];
    if (filter.channel) deliveryMatches.push(eq(deliveries.channel, filter.channel));
    if (filter.accountId) deliveryMatches.push(eq(deliveries.accountId, filter.accountId));
    conditions.push(exists(db.select({ one: sql`1` }).from(deliveries).where(and(...deliveryMatches))));
  }
  // A row comparison matches the (created_at desc, id desc) index, so the page starts with an index seek.
  if (after) conditions.push(sql`(${posts.createdAt}, ${posts.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
  return conditions;
}

/** The posts' deliveries in one query (no query per post). */
async function attachDeliveries(db: DbOrTx, userId: string, postRows: PostRow[]): Promise<PostWithDeliveries[]> {
  if (postRows.length === 0) return [];
  const postIds = postRows.map((post) => post.id);
  const rows = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.userId, userId), inArray(deliveries.postId, postIds)))
    .orderBy(asc(deliveries.createdAt), asc(deliveries.id));
  const byPost = new Map<string, DeliveryRow[]>(postRows.map((post) => [post.id, []]));
  for (const row of rows) byPost.get(row.postId)!.push(row);
  return postRows.map((post) => ({ ...post, deliveries: byPost.get(post.id)! }));
}

/**
 * Locks the post's deliveries until the transaction ends, so none of them can start processing
 * meanwhile. Deliveries are locked before the post row because the status trigger locks in that order.
 */
export async function lockPostDeliveries(tx: DbOrTx, userId: string, postId: string): Promise<DeliveryRow[]> {
  return tx
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.postId, postId), eq(deliveries.userId, userId)))
    .orderBy(asc(deliveries.id))
    .for('update');
}

export async function updatePostContent(tx: DbOrTx, userId: string, postId: string, content: Partial<PostContent>) {
  await tx
    .update(posts)
    .set({ ...content, updatedAt: sql`now()` })
    .where(and(eq(posts.id, postId), livePost(userId)));
}

/** Cancels the post's deliveries that have not started yet. */
export async function softDeletePost(tx: DbOrTx, userId: string, postId: string) {
  await tx
    .update(posts)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(posts.id, postId), livePost(userId)));
}
