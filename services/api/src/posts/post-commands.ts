import type { Channel, Db, DbOrTx } from '@autoposter/db';
import {
  findPost,
  insertPostWithDeliveries,
  lockPostDeliveries,
  updatePostContent,
  type PostWithDeliveries,
} from '@autoposter/db/repositories/posts';
import { conflict, notFound } from '../plugins/errors.ts';
import { checkChannelRules, ruleSubject, type Issue } from './channel-rules.ts';
import { assertNoIssues } from './issues.ts';
import { contentChanges, newPostContent, type CreatePostBody, type PatchPostBody } from './post-requests.ts';
import { toPostView, type PostView } from './post-view.ts';
import { checkMedia, checkTargets } from './references.ts';

/** Checks a new post against its accounts, media and channels, then stores it with one delivery per target. */
export async function createPost(tx: DbOrTx, userId: string, input: CreatePostBody, now = new Date()): Promise<PostView> {
  const content = newPostContent(input);
  const scheduledAt = input.scheduled_at ? new Date(input.scheduled_at) : null;
  assertNoIssues([
    ...(await checkTargets(tx, userId, input.targets)),
    ...(await checkMedia(tx, userId, content)),
    ...checkChannelRules(
      input.targets.map((target) => target.channel),
      ruleSubject(content),
    ),
    ...scheduleIssues(scheduledAt, now),
  ]);
  const targets = input.targets.map((target) => ({
    channel: target.channel,
    accountId: target.account_id,
    targetId: target.target_id ?? null,
  }));
  return toPostView(await insertPostWithDeliveries(tx, userId, content, targets, scheduledAt));
}

function scheduleIssues(scheduledAt: Date | null, now: Date): Issue[] {
  return scheduledAt && scheduledAt <= now ? [{ field: 'scheduled_at', message: 'must be in the future' }] : [];
}

/** Changes a post's content; the result must still fit every channel the post targets. */
export async function updatePost(db: Db, userId: string, postId: string, patch: PatchPostBody): Promise<PostView> {
  return db.transaction(async (tx) => {
    const post = await lockIdlePost(tx, userId, postId);
    if (post.status === 'published') {
      throw conflict('This post is already published everywhere; create a new post instead', 'post_published');
    }
    const changes = contentChanges(patch);
    assertNoIssues([
      ...(await checkMedia(tx, userId, changes)),
      ...checkChannelRules(
        post.deliveries.map((delivery) => delivery.channel as Channel),
        ruleSubject({ ...post, ...changes }),
      ),
    ]);
    await updatePostContent(tx, userId, postId, changes);
    return toPostView((await findPost(tx, userId, postId))!);
  });
}

/**
 * The caller's post, with its deliveries locked until the transaction ends so none starts
 * processing meanwhile: 404 when it is not theirs, 409 while a delivery is being published.
 */
async function lockIdlePost(tx: DbOrTx, userId: string, postId: string): Promise<PostWithDeliveries> {
  await lockPostDeliveries(tx, userId, postId);
  const post = await findPost(tx, userId, postId);
  if (!post) throw notFound('Post');
  if (post.deliveries.some((delivery) => delivery.status === 'processing')) {
    throw conflict('A delivery of this post is being published right now; try again when it finishes', 'post_processing');
  }
  return post;
}
