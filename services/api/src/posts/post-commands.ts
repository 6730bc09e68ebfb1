import type { Channel, Db, DbOrTx } from '@autoposter/db';
import {
  findPost,
  findPostReferences,
  insertPostIfReferencesFit,
  lockPostDeliveries,
  updatePostContent,
  type PostReferences,
  type PostWithDeliveries,
} from '@autoposter/db/repositories/posts';
import { conflict, notFound } from '../plugins/errors.ts';
import { checkChannelRules, ruleSubject, type Issue } from './channel-rules.ts';
import { assertNoIssues } from './issues.ts';
import { contentChanges, newPost, type CreatePostBody, type PatchPostBody } from './post-requests.ts';
import { toPostView, type PostView } from './post-view.ts';
import { checkMetaMedia } from './media-rules.ts';
import { checkMedia, referenceRequirements, targetAndMediaIssues } from './references.ts';

/**
 * Checks a new post against its accounts, media and channels, then stores it with one delivery
 * per target. Needs no transaction: one statement checks the references and stores the post.
 */
export async function createPost(db: DbOrTx, userId: string, input: CreatePostBody, now = new Date()): Promise<PostView> {
  const post = newPost(input);
  const required = referenceRequirements(input.targets, post.content);
  const issuesWith = (found?: PostReferences) => [
    ...targetAndMediaIssues(input.targets, post.content, found),
    ...checkChannelRules(
      input.targets.map((target) => target.channel),
      ruleSubject(post.content),
    ),
    ...scheduleIssues(post.scheduledAt, now),
  ];
  const channels = input.targets.map((target) => target.channel);
  const firstIssues = issuesWith();
  if (firstIssues.length === 0) assertNoIssues(await checkMetaMedia(db, userId, channels, post.content));
  const outcome =
    firstIssues.length === 0
      ? await insertPostIfReferencesFit(db, userId, post, required)
      : { inserted: undefined, found: await findPostReferences(db, userId, required) };
  if (outcome.inserted) return toPostView(outcome.inserted);
  assertNoIssues(issuesWith(outcome.found));
  throw new Error('Postgres refused the references of a post that meets every requirement');
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
    const channels = post.deliveries.map((delivery) => delivery.channel as Channel);
    assertNoIssues([
      ...(await checkMedia(tx, userId, changes)),
      ...checkChannelRules(channels, ruleSubject({ ...post, ...changes })),
      ...(await checkMetaMedia(tx, userId, channels, { mediaIds: changes.mediaIds ?? post.mediaIds, videoMediaId: changes.videoMediaId ?? post.videoMediaId })),
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
