import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { deliveries, posts } from '../schema.ts';

export interface DuplicateCandidate {
  channel: string;
  accountId: string;
  targetId: string | null;
}

export interface PublishedDuplicate {
  postId: string;
  channel: string;
  accountId: string;
  targetId: string | null;
  postedAt: Date;
}

/**
 * The owner's other posts with the same text (and, for Marketplace, the same title) that were
 * published to one of `targets` since `since`: what Marketplace flags as a duplicate listing.
 * Newest first, one row per matching delivery.
 */
export async function findPublishedDuplicates(
  db: DbOrTx,
  userId: string,
  post: { id: string; title: string | null; body: string },
  targets: DuplicateCandidate[],
  since: Date,
): Promise<PublishedDuplicate[]> {
  if (targets.length === 0) return [];
  const sameTarget = sql.join(
    targets.map(
      (target) =>
        sql`(${deliveries.channel} = ${target.channel} and ${deliveries.accountId} = ${target.accountId} and ${deliveries.targetId} is not distinct from ${target.targetId})`,
    ),
    sql` or `,
  );
  return db
    .select({
      postId: posts.id,
      channel: deliveries.channel,
      accountId: deliveries.accountId,
      targetId: deliveries.targetId,
      postedAt: sql<Date>`${deliveries.postedAt}`.mapWith(deliveries.postedAt),
    })
    .from(deliveries)
    .innerJoin(posts, eq(posts.id, deliveries.postId))
    .where(
      and(
        eq(deliveries.userId, userId),
        eq(posts.userId, userId),
        ne(posts.id, post.id),
        isNull(posts.deletedAt),
        eq(deliveries.status, 'posted'),
        gt(deliveries.postedAt, since),
        eq(posts.body, post.body),
        sql`(${deliveries.channel} <> 'marketplace' or ${posts.title} is not distinct from ${post.title})`,
        sql`(${sameTarget})`,
      ),
    )
    .orderBy(desc(deliveries.postedAt))
    .limit(20);
}
