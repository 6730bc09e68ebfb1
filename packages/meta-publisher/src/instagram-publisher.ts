import { setTimeout as sleep } from 'node:timers/promises';
import { classifyGraphFailure, GraphApiError, noUsage, toPublishError } from '@autoposter/graph-client';
import { PublishDeferral, PublishError, type PublishMedia, type PublishRequest, type PublishResult } from '@autoposter/publisher';
import type { GraphSession } from './graph-session.ts';
import { findRecent, graphTime, type Listed } from './listing.ts';
import { readPermalink } from './page-publisher.ts';

export type InstagramState = {
  /** The container `media_publish` is (or was) called with. */
  creation_id?: string;
  /** When that container was made (this worker's clock): its media, once published, is newer. */
  created_at?: string;
  /** The media `media_publish` answered with. */
  media_id?: string;
};

/** A container this delivery made, as saved. */
type SavedContainer = InstagramState & { creation_id: string };

export interface ContainerPolling {
  /** Between two reads of a container's status. */
  intervalMs: number;
  /** The longest an attempt waits for a container to finish processing. */
  timeoutMs: number;
}

type ContainerStatus = 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'PUBLISHED';
interface Container {
  id: string;
  status_code?: ContainerStatus;
  status?: string;
}

interface IgMedia extends Listed {
  caption?: string;
  permalink?: string;
}

const DAY_MS = 86_400_000;
/** When Meta does not say when the quota frees, look again in an hour. */
const QUOTA_RECHECK_MS = 3_600_000;

export const caption = (request: PublishRequest) => request.post.body;

/**
 * Instagram publishing: container(s), a bounded wait for processing, then `media_publish` with
 * the saved `creation_id`, right after the cancel fence. A full publishing quota (read first, or
 * refused by any call) defers the delivery (no attempt used) until the rolling 24 h window frees a slot.
 */
export function publishToInstagram(request: PublishRequest, graph: GraphSession, polling: ContainerPolling): Promise<PublishResult> {
  return deferOnPublishingLimit(graph, () => publishContainer(request, graph, polling));
}

/** Instagram's publishing limit (9 / 2207042), whichever call answered it: wait for the window, no attempt used. */
async function deferOnPublishingLimit<T>(graph: GraphSession, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const graphError = error instanceof PublishError ? error.cause : error;
    if (graphError instanceof GraphApiError && classifyGraphFailure(graphError).action === 'quota') {
      throw await quotaDeferral(graph, `Instagram refused: the publishing quota is used (${graphError.message})`);
    }
    throw error;
  }
}

async function publishContainer(request: PublishRequest, graph: GraphSession, polling: ContainerPolling): Promise<PublishResult> {
  const deadline = Date.now() + polling.timeoutMs;
  const saved = request.savedState as InstagramState | null;
  let container = saved?.creation_id ? (saved as SavedContainer) : null;
  // A container an earlier attempt published counts in the quota: adopt it before judging the quota.
  if (container && (await readContainer(graph, container.creation_id)).status_code === 'PUBLISHED') return adoptPublished(request, graph, container);
  await deferWhenQuotaFull(graph);
  // One new container when the first expires (it was not published within its lifetime).
  for (let round = 0; round < 3; round++) {
    if (container) {
      const { status_code } = await readContainer(graph, container.creation_id);
      if (status_code === 'PUBLISHED') return adoptPublished(request, graph, container);
      if (status_code === 'EXPIRED' || status_code === 'ERROR') {
        request.log('INFO', `The saved container is ${status_code}: making a new one`, { creation_id: container.creation_id });
        container = null;
      }
    }
    if (!container) {
      const createdAt = new Date().toISOString();
      container = { creation_id: await createContainer(request, graph, deadline, polling), created_at: createdAt };
      await request.saveState(container);
    }
    const ready = await waitUntilFinished(graph, container.creation_id, deadline, polling, request.signal);
    if (ready === 'EXPIRED') {
      container = null;
      continue;
    }
    const published = await publishCreated(request, graph, container, deadline, polling);
    if (published) return published;
    container = null;
  }
  throw new PublishError('provider_unavailable', 'Instagram let every container of this post expire before it could be published');
}

async function deferWhenQuotaFull(graph: GraphSession): Promise<void> {
  const limit = await graph.get<{ data: { quota_usage?: number; config?: { quota_total?: number } }[] }>(
    `/${graph.identity.objectId}/content_publishing_limit`,
    { fields: 'quota_usage,config' },
  );
  const usage = limit.data[0]?.quota_usage ?? 0;
  const total = limit.data[0]?.config?.quota_total;
  if (total !== undefined && usage >= total) throw await quotaDeferral(graph, `the Instagram publishing quota is used (${usage} of ${total} posts in 24 hours)`);
}

/** The window frees when the oldest publication of the last 24 hours leaves it. */
async function quotaDeferral(graph: GraphSession, reason: string): Promise<PublishDeferral> {
  const dayAgo = new Date(Date.now() - DAY_MS);
  let oldest: number | null = null;
  await findRecent<IgMedia>(graph, `/${graph.identity.objectId}/media`, 'id,timestamp', new Date(dayAgo.getTime() + 2 * 60_000), (item) => {
    const time = graphTime(item.timestamp);
    if (Number.isFinite(time) && time >= dayAgo.getTime()) oldest = Math.min(oldest ?? time, time);
    return false;
  }).catch(() => null);
  const frees = oldest !== null ? (oldest as number) + DAY_MS + 1_000 : Date.now() + QUOTA_RECHECK_MS;
  return new PublishDeferral(new Date(Math.max(frees, Date.now() + 1_000)), reason, { accountWide: true });
}

const readContainer = (graph: GraphSession, id: string) => graph.get<Container>(`/${id}`, { fields: 'status_code,status' });

function itemParams(media: PublishMedia, video: boolean) {
  return video ? { media_type: 'VIDEO', video_url: media.publicUrl } : { image_url: media.publicUrl, ...(media.altText ? { alt_text: media.altText } : {}) };
}

async function createContainer(request: PublishRequest, graph: GraphSession, deadline: number, polling: ContainerPolling): Promise<string> {
  const { media, video } = request.post;
  const path = `/${graph.identity.objectId}/media`;
  const text = caption(request);
  if (media.length === 0 && !video) throw new PublishError('validation_error', 'Instagram needs a photo or a video');
  if (media.length === 0 && video) return (await graph.post<{ id: string }>(path, { media_type: 'REELS', video_url: video.publicUrl, caption: text })).id;
  if (media.length === 1 && !video) return (await graph.post<{ id: string }>(path, { ...itemParams(media[0]!, false), caption: text })).id;
  const items = [...media.map((item) => ({ item, video: false })), ...(video ? [{ item: video, video: true }] : [])];
  const children: string[] = [];
  for (const { item, video: isVideo } of items) {
    children.push((await graph.post<{ id: string }>(path, { ...itemParams(item, isVideo), is_carousel_item: true })).id);
  }
  for (const child of children) {
    if ((await waitUntilFinished(graph, child, deadline, polling, request.signal)) === 'EXPIRED') {
      throw new PublishError('provider_unavailable', 'A carousel item expired before the carousel could be made');
    }
  }
  return (await graph.post<{ id: string }>(path, { media_type: 'CAROUSEL', children: children.join(','), caption: text })).id;
}

/** Polls the container until FINISHED (or EXPIRED); an ERROR is Meta's verdict on the media. */
async function waitUntilFinished(graph: GraphSession, id: string, deadline: number, polling: ContainerPolling, signal: AbortSignal): Promise<'FINISHED' | 'EXPIRED' | 'PUBLISHED'> {
  for (;;) {
    const container = await readContainer(graph, id);
    switch (container.status_code) {
      case 'FINISHED':
      case 'EXPIRED':
      case 'PUBLISHED':
        return container.status_code;
      case 'ERROR':
        throw containerError(container);
      default:
        if (Date.now() + polling.intervalMs > deadline) {
          throw new PublishError('provider_unavailable', `Instagram is still processing the media after ${Math.round(polling.timeoutMs / 1000)} s (container ${id})`);
        }
        await sleep(polling.intervalMs, undefined, { signal });
    }
  }
}

/** `status` reads like "Error: ... (error code 2207052)": classified as that subcode. */
function containerError(container: Container): PublishError {
  const code = Number(/\b(2207\d{3})\b/.exec(container.status ?? '')?.[1] ?? 0);
  const message = `Instagram could not process the media: ${container.status ?? 'ERROR'}`;
  const error = new GraphApiError(400, { code: -1, ...(code ? { error_subcode: code } : {}), message }, noUsage, false);
  const classified = classifyGraphFailure(error);
  return new PublishError(classified.type === 'unknown' ? 'provider_unavailable' : classified.type, message, { ...(code ? { code } : {}) });
}

/**
 * The cancel fence, then `media_publish`. Null when the container expired meanwhile (a new one
 * is made); a container not ready yet is polled again until the deadline.
 */
async function publishCreated(request: PublishRequest, graph: GraphSession, container: SavedContainer, deadline: number, polling: ContainerPolling): Promise<PublishResult | null> {
  for (;;) {
    await request.assertStillWanted();
    let mediaId: string;
    try {
      ({ id: mediaId } = await graph.raw<{ id: string }>('POST', `/${graph.identity.objectId}/media_publish`, { creation_id: container.creation_id }));
    } catch (error) {
      const classified = classifyGraphFailure(error);
      if (classified.action === 'new_container') return null;
      if (classified.action === 'poll' && Date.now() + polling.intervalMs <= deadline) {
        await sleep(polling.intervalMs, undefined, { signal: request.signal });
        continue;
      }
      throw toPublishError(error, classified);
    }
    // A retry adopts this very media, should the rest of the attempt not be recorded.
    await request.saveState({ ...container, media_id: mediaId });
    return { providerPostId: mediaId, permalink: await readPermalink(request, graph, mediaId, 'permalink') };
  }
}

/**
 * The saved container was published by an earlier attempt: adopt the media `media_publish`
 * answered with, else find it in `/{ig-user-id}/media` by caption, published since the container
 * was made (the retry may come hours later).
 */
async function adoptPublished(request: PublishRequest, graph: GraphSession, container: SavedContainer): Promise<PublishResult> {
  if (container.media_id) return { providerPostId: container.media_id, permalink: await readPermalink(request, graph, container.media_id, 'permalink') };
  const madeAt = container.created_at ? new Date(container.created_at) : request.since;
  const found = await findMedia(request, graph, madeAt);
  if (!found) throw new PublishError('provider_unavailable', 'Instagram says the container was published, but its media is not listed yet');
  return found;
}

async function findMedia(request: PublishRequest, graph: GraphSession, since: Date): Promise<PublishResult | null> {
  const media = await findRecent<IgMedia>(graph, `/${graph.identity.objectId}/media`, 'id,caption,timestamp,permalink', since, (item) => (item.caption ?? '') === caption(request));
  return media ? { providerPostId: media.id, permalink: media.permalink ?? (await readPermalink(request, graph, media.id, 'permalink')) } : null;
}

/**
 * After an attempt whose outcome is unknown: a saved container that is PUBLISHED is adopted
 * (its saved media, else found in `/{ig-user-id}/media`); one that is not means nothing was published (the
 * next publish resumes it). Without a saved container, a media with the same caption since the
 * attempt began is adopted.
 */
export function findOnInstagram(request: PublishRequest, graph: GraphSession): Promise<PublishResult | null> {
  return deferOnPublishingLimit(graph, () => findPublished(request, graph));
}

async function findPublished(request: PublishRequest, graph: GraphSession): Promise<PublishResult | null> {
  const saved = request.savedState as InstagramState | null;
  if (saved?.creation_id) {
    const container = await readContainer(graph, saved.creation_id).catch((err: unknown) => {
      if (err instanceof PublishError && err.code === '100/33') return null;
      throw err;
    });
    if (container?.status_code === 'PUBLISHED') return adoptPublished(request, graph, saved as SavedContainer);
    if (container) return null;
  }
  return findMedia(request, graph, request.since);
}
