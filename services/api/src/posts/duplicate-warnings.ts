import Type from 'typebox';
import type { Db } from '@autoposter/db';
import { findPublishedDuplicates } from '@autoposter/db/repositories/duplicates';
import type { PostView } from './post-view.ts';

/** Marketplace flags a listing repeated within about a week, and restricts accounts that do it. */
export const DUPLICATE_WINDOW_DAYS = 7;

export const PostWarning = Type.Object({
  code: Type.Literal('possible_duplicate'),
  message: Type.String(),
  post_id: Type.String({ format: 'uuid', description: 'the earlier post with the same content' }),
});

export type PostWarning = Type.Static<typeof PostWarning>;

/**
 * A warning per earlier post with the same text (and title, for Marketplace) published to one
 * of this post's targets in the last 7 days. The new post is created anyway: only its author
 * can tell a relisting from a mistake.
 */
export async function duplicateWarnings(db: Db, userId: string, post: PostView, now = new Date()): Promise<PostWarning[]> {
  const since = new Date(now.getTime() - DUPLICATE_WINDOW_DAYS * 86_400_000);
  const targets = post.deliveries.map((delivery) => ({ channel: delivery.channel, accountId: delivery.account_id, targetId: delivery.target_id }));
  const matches = await findPublishedDuplicates(db, userId, post, targets, since);
  const byPost = new Map<string, typeof matches>();
  for (const match of matches) byPost.set(match.postId, [...(byPost.get(match.postId) ?? []), match]);
  return [...byPost].map(([postId, found]) => ({
    code: 'possible_duplicate' as const,
    post_id: postId,
    message: `The same ${post.title && found.some((match) => match.channel === 'marketplace') ? 'title and text were' : 'text was'} published to ${[...new Set(found.map((match) => match.channel))].join(', ')} by the same account on ${found[0]!.postedAt.toISOString().slice(0, 10)}; posting it again may be flagged as a duplicate.`,
  }));
}
