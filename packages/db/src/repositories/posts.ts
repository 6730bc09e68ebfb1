import { and, asc, eq, exists, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { deliveries, posts } from '../schema.ts';
import { deliveryColumns } from './delivery-runs.ts';
import { columnList, columnsOf, fromDriverRow, runStatement } from './statements.ts';
import type { Channel, PostStatus } from '../statuses.ts';

export type PostRow = typeof posts.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type PostWithDeliveries = PostRow & { deliveries: DeliveryRow[] };

/** What a user writes; everything else on a post is derived or bookkeeping. */
export type PostContent = Pick<
  typeof posts.$inferInsert,
  'title' | 'body' | 'price' | 'currency' | 'category' | 'condition' | 'location' | 'link' | 'mediaIds' | 'videoMediaId'
>;

export interface PostReferences {
  accounts: { id: string; kind: string }[];
  media: { id: string; mime: string }[];
}

/** What the accounts and media a new post references must be for it to be stored. */
export interface ReferenceRequirements {
  /** The caller's live accounts, each of the given kind. */
  accounts: { id: string; kind: string }[];
  /** The caller's media, each with a MIME type starting with the given prefix. */
  media: { id: string; mimePrefix: string }[];
}

export interface NewPost {
  content: PostContent;
  targets: NewTarget[];
  scheduledAt: Date | null;
}

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

// "nulls last" as in the posts_user_*_created_idx indexes: without it Postgres cannot read them in order.
const newestFirst = [sql`${posts.createdAt} desc nulls last`, sql`${posts.id} desc nulls last`];

const livePost = (userId: string) => and(eq(posts.userId, userId), isNull(posts.deletedAt));

/** The caller's live accounts and media among those the requirements name, read in one query. */
export async function findPostReferences(db: DbOrTx, userId: string, required: ReferenceRequirements): Promise<PostReferences> {
  const rows = await runStatement<FoundReference>(db, findReferencesStatement, [userId, ...requiredIds(required)]);
  return groupReferences(rows);
}

/**
 * Inserts a post and one delivery per target in ONE statement (atomic without a transaction),
 * provided every referenced account and medium meets its requirement in that statement's
 * snapshot; otherwise inserts nothing and answers what it found. Deliveries start `scheduled`
 * (due at `scheduledAt`) or `pending`, one microsecond apart so reading them back by created_at
 * keeps the order of the targets.
 */
export async function insertPostIfReferencesFit(
  db: DbOrTx,
  userId: string,
  post: NewPost,
  required: ReferenceRequirements,
): Promise<{ inserted: PostWithDeliveries } | { inserted: undefined; found: PostReferences }> {
  const { content, targets, scheduledAt } = post;
  const status = scheduledAt ? 'scheduled' : 'pending';
  const [row] = await runStatement<Record<string, unknown>>(db, insertPostStatement, [
    userId,
    ...requiredIds(required),
    required.accounts.map((account) => account.kind),
    required.media.map((medium) => medium.mimePrefix),
    content.title ?? null,
    content.body,
    content.price ?? null,
    content.currency ?? null,
    content.category ?? null,
    content.condition ?? null,
    content.location ?? null,
    content.link ?? null,
    content.mediaIds ?? [],
    content.videoMediaId ?? null,
    scheduledAt,
    status,
    targets.map((target) => target.channel),
    targets.map((target) => target.accountId),
    targets.map((target) => target.targetId),
  ]);
  const { deliveries: deliveryRows, found_references: found, ...postRow } = row!;
  if (postRow.id === null) return { inserted: undefined, found: groupReferences(found as FoundReference[]) };
  return {
    inserted: {
      ...fromDriverRow<PostRow>(postColumns, postRow),
      // The status trigger updates the post after this statement, too late for RETURNING. Its
      // deliveries all share one status, from which derive_post_status (migrations/0001) gives the same.
      status,
      deliveries: (deliveryRows as Record<string, unknown>[]).map((delivery) => fromDriverRow<DeliveryRow>(deliveryColumns, delivery)),
    },
  };
}

type FoundReference = { type: 'account' | 'media'; id: string; detail: string };

const requiredIds = (required: ReferenceRequirements) => [required.accounts.map((account) => account.id), required.media.map((medium) => medium.id)];

function groupReferences(rows: FoundReference[]): PostReferences {
  const references: PostReferences = { accounts: [], media: [] };
  for (const { type, id, detail } of rows) {
    if (type === 'account') references.accounts.push({ id, kind: detail });
    else references.media.push({ id, mime: detail });
  }
  return references;
}

export const postColumns = columnsOf(posts);

/** $1 the user, $2 account ids, $3 media ids. */
const foundReferencesSql = `
  select 'account' as type, id, kind as detail from accounts where user_id = $1 and id = any($2::uuid[]) and deleted_at is null
  union all
  select 'media', id, mime from media where user_id = $1 and id = any($3::uuid[])`;

const findReferencesStatement = { name: 'posts.find_references', text: foundReferencesSql };

const insertPostStatement = {
  name: 'posts.insert_if_references_fit',
  text: `
    with found as (${foundReferencesSql}
    ), fits as (
      select not exists (
               select from unnest($2::uuid[], $4::text[]) as required(id, kind)
               where not exists (select from found where type = 'account' and found.id = required.id and detail = required.kind))
         and not exists (
               select from unnest($3::uuid[], $5::text[]) as required(id, mime_prefix)
               where not exists (select from found where type = 'media' and found.id = required.id and starts_with(detail, required.mime_prefix)))
         as ok
    ), new_post as (
      insert into posts (user_id, title, body, price, currency, category, condition, location, link, media_ids, video_media_id, scheduled_at)
      select $1, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 from fits where ok
      returning ${columnList(postColumns)}
    ), new_deliveries as (
      insert into deliveries (post_id, user_id, channel, account_id, target_id, status, due_at, created_at)
      select new_post.id, new_post.user_id, target.channel, target.account_id, target.target_id, $17, new_post.scheduled_at,
             now() + (target.position - 1) * interval '1 microsecond'
      from new_post, unnest($18::text[], $19::uuid[], $20::text[]) with ordinality as target(channel, account_id, target_id, position)
      returning ${columnList(deliveryColumns)}
    )
    select new_post.*,
           (select json_agg(new_deliveries order by created_at) from new_deliveries) as deliveries,
           case when not ok then (select coalesce(json_agg(found), '[]') from found) end as found_references
    from fits left join new_post on true`,
};

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
