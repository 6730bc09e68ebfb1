import { NoLongerWantedError, PublishError, type PublishRequest, type PublishResult } from '@autoposter/publisher';
import type { GraphSession } from './graph-session.ts';
import { findRecent, type Listed } from './listing.ts';

/** What a Page delivery saves before its risky steps, so a retry resumes instead of redoing. */
export interface PageState {
  photo_ids?: string[];
  /** The unpublished feed post (`{page-id}_{post-id}`). */
  post_id?: string;
  /** The unpublished video. */
  video_id?: string;
}

interface FeedPost extends Listed {
  message?: string;
  is_published?: boolean;
  permalink_url?: string;
}

export const pageMessage = (request: PublishRequest) => request.post.body;

/**
 * Facebook Page publishing, never twice: the post is created unpublished, its id saved, then
 * published with `is_published=true` (repeatable). Photos are uploaded unpublished and attached
 * to that post; a video is uploaded with `published=false` and published the same way.
 */
export async function publishToPage(request: PublishRequest, graph: GraphSession): Promise<PublishResult> {
  const state = (request.savedState ?? {}) as PageState;
  if (state.video_id) return publishVideo(request, graph, state.video_id);
  if (state.post_id) {
    const resumed = await publishPost(request, graph, state.post_id).catch((err: unknown) => {
      if (err instanceof PublishError && err.code === '100/33') return null; // removed on Facebook meanwhile: start again
      throw err;
    });
    if (resumed) return resumed;
  }
  if (request.post.video) return createVideo(request, graph);
  const photoIds = state.photo_ids ?? (await uploadPhotos(request, graph));
  const { id } = await graph.post<{ id: string }>(`/${graph.identity.objectId}/feed`, {
    message: pageMessage(request),
    ...(request.post.link ? { link: request.post.link } : {}),
    ...(photoIds.length > 0 ? { attached_media: photoIds.map((mediaFbid) => ({ media_fbid: mediaFbid })) } : {}),
    published: false,
  });
  await request.saveState({ post_id: id });
  request.log('INFO', 'Created the Page post unpublished; publishing it', { post_id: id });
  return publishPost(request, graph, id);
}

async function uploadPhotos(request: PublishRequest, graph: GraphSession): Promise<string[]> {
  const ids: string[] = [];
  for (const media of request.post.media) {
    const { id } = await graph.post<{ id: string }>(`/${graph.identity.objectId}/photos`, { url: media.publicUrl, published: false });
    ids.push(id);
  }
  // Unpublished photos are invisible: uploading them again after a failure shows nothing twice.
  if (ids.length > 0) await request.saveState({ photo_ids: ids });
  return ids;
}

async function createVideo(request: PublishRequest, graph: GraphSession): Promise<PublishResult> {
  const { id } = await graph.post<{ id: string }>(`/${graph.identity.objectId}/videos`, {
    file_url: request.post.video!.publicUrl,
    description: pageMessage(request),
    ...(request.post.title ? { title: request.post.title } : {}),
    published: false,
  });
  await request.saveState({ video_id: id });
  return publishVideo(request, graph, id);
}

/**
 * The cancel fence before publishing an unpublished post or video: one no longer wanted is
 * deleted, so no unpublished draft is left on the Page.
 */
async function assertStillWantedElseDelete(request: PublishRequest, graph: GraphSession, id: string, what: 'post' | 'video'): Promise<void> {
  await request.assertStillWanted().catch(async (err: unknown) => {
    if (err instanceof NoLongerWantedError) {
      await graph.delete(`/${id}`).catch((cleanup: unknown) => {
        request.log('WARNING', `The unpublished ${what} could not be deleted: ${(cleanup as Error).message}`, { [`${what}_id`]: id });
      });
    }
    throw err;
  });
}

/** The cancel fence, then `is_published=true` on the saved post (a no-op when it already is). */
async function publishPost(request: PublishRequest, graph: GraphSession, postId: string): Promise<PublishResult> {
  await assertStillWantedElseDelete(request, graph, postId, 'post');
  await graph.post(`/${postId}`, { is_published: true });
  return { providerPostId: postId, permalink: await readPermalink(request, graph, postId, 'permalink_url') };
}

async function publishVideo(request: PublishRequest, graph: GraphSession, videoId: string): Promise<PublishResult> {
  await assertStillWantedElseDelete(request, graph, videoId, 'video');
  await graph.post(`/${videoId}`, { published: true });
  return { providerPostId: videoId, permalink: await readPermalink(request, graph, videoId, 'permalink_url') };
}

/** Read after the id is stored: a failure here never undoes the publication, the permalink stays unknown. */
export async function readPermalink(request: PublishRequest, graph: GraphSession, id: string, field: 'permalink_url' | 'permalink'): Promise<string | null> {
  try {
    const node = await graph.get<Record<string, string | undefined>>(`/${id}`, { fields: field }, { readBack: true });
    const link = node[field] ?? null;
    return link && link.startsWith('/') ? `https://www.facebook.com${link}` : link;
  } catch (err) {
    request.log('WARNING', `Published, but its link could not be read: ${(err as Error).message}`, { id });
    return null;
  }
}

/**
 * After an attempt whose outcome is unknown: the saved post (published: adopt; unpublished:
 * publish it now), else a post of the Page's `/feed` (which lists unpublished posts too) with
 * the same message created since the attempt began.
 */
export async function findOnPage(request: PublishRequest, graph: GraphSession): Promise<PublishResult | null> {
  const state = (request.savedState ?? {}) as PageState;
  if (state.video_id) return finishFound(request, graph, await readVideo(graph, state.video_id), state.video_id, true);
  if (state.post_id) {
    const post = await graph.get<FeedPost>(`/${state.post_id}`, { fields: 'id,is_published,permalink_url' }).catch(() => null);
    if (post) return finishFound(request, graph, post, post.id, false);
  }
  if (request.post.video) {
    const video = await findRecent<FeedPost & { description?: string; published?: boolean }>(graph, `/${graph.identity.objectId}/videos`, 'id,description,published,created_time,permalink_url', request.since, (item) => item.description === pageMessage(request));
    return video ? finishFound(request, graph, { ...video, is_published: video.published ?? false }, video.id, true) : null;
  }
  const found = await findRecent<FeedPost>(graph, `/${graph.identity.objectId}/feed`, 'id,message,is_published,created_time,permalink_url', request.since, (item) => (item.message ?? '') === pageMessage(request));
  return found ? finishFound(request, graph, found, found.id, false) : null;
}

async function readVideo(graph: GraphSession, videoId: string): Promise<FeedPost | null> {
  const video = await graph.get<{ id: string; published?: boolean; permalink_url?: string }>(`/${videoId}`, { fields: 'id,published,permalink_url' }).catch(() => null);
  return video ? { ...video, is_published: video.published ?? false } : null;
}

async function finishFound(request: PublishRequest, graph: GraphSession, post: FeedPost | null, id: string, video: boolean): Promise<PublishResult | null> {
  if (!post) return null;
  if (post.is_published) return { providerPostId: id, permalink: post.permalink_url ?? (await readPermalink(request, graph, id, 'permalink_url')) };
  request.log('INFO', 'Found the post an earlier attempt created unpublished: publishing it', { post_id: id });
  return video ? publishVideo(request, graph, id) : publishPost(request, graph, id);
}
