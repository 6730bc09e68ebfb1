import { setTimeout as sleep } from 'node:timers/promises';
import { classifyGraphFailure, GraphApiError, noUsage, toPublishError } from '@autoposter/graph-client';
import { PublishDeferral, PublishError, type PublishMedia, type PublishRequest, type PublishResult } from '@autoposter/publisher';
import type { GraphSession } from './graph-session.ts';
import { findRecent, graphTime, type Listed } from './listing.ts';
import { readPermalink } from './page-publisher.ts';

export interface InstagramState {
  /** The container `media_publish` is (or was) called with. */
  creation_id?: string;
}

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
  let creationId = (request.savedState as InstagramState | null)?.creation_id;
  // A container an earlier attempt published counts in the quota: adopt it before judging the quota.
  if (creationId && (await readContainer(graph, creationId)).status_code === 'PUBLISHED') return adoptPublished(request, graph);
  await deferWhenQuotaFull(graph);
  // One new container when the first expires (it was not published within its lifetime).
  for (let round = 0; round < 3; round++) {
    if (creationId) {
      const container = await readContainer(graph, creationId);
      if (container.status_code === 'PUBLISHED') return adoptPublished(request, graph);
      if (container.status_code === 'EXPIRED' || container.status_code === 'ERROR') {
        request.log('INFO', `The saved container is ${container.status_code}: making a new one`, { creation_id: creationId });
        creationId = undefined;
      }
    }
    if (!creationId) {
      creationId = await createContainer(request, graph, deadline, polling);
      await request.saveState({ creation_id: creationId });
    }
    const ready = await waitUntilFinished(graph, creationId, deadline, polling, request.signal);
    if (ready === 'EXPIRED') {
      creationId = undefined;
      continue;
    }
    const published = await publishCreated(request, graph, creationId, deadline, polling);
    if (published) return published;
    creationId = undefined;
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
async function publishCreated(request: PublishRequest, graph: GraphSession, creationId: string, deadline: number, polling: ContainerPolling): Promise<PublishResult | null> {
  for (;;) {
    await request.assertStillWanted();
    try {
      const { id } = await graph.raw<{ id: string }>('POST', `/${graph.identity.objectId}/media_publish`, { creation_id: creationId });
      return { providerPostId: id, permalink: await readPermalink(request, graph, id, 'permalink') };
    } catch (error) {
      const classified = classifyGraphFailure(error);
      if (classified.action === 'new_container') return null;
      if (classified.action === 'poll' && Date.now() + polling.intervalMs <= deadline) {
        await sleep(polling.intervalMs, undefined, { signal: request.signal });
        continue;
      }
      throw toPublishError(error, classified);
    }
  }
}

/** The saved container was published by an earlier attempt: find its media and adopt it. */
async function adoptPublished(request: PublishRequest, graph: GraphSession): Promise<PublishResult> {
  const found = await findMedia(request, graph);
  if (!found) throw new PublishError('provider_unavailable', 'Instagram says the container was published, but its media is not listed yet');
  return found;
}

async function findMedia(request: PublishRequest, graph: GraphSession): Promise<PublishResult | null> {
  const media = await findRecent<IgMedia>(graph, `/${graph.identity.objectId}/media`, 'id,caption,timestamp,permalink', request.since, (item) => (item.caption ?? '') === caption(request));
  return media ? { providerPostId: media.id, permalink: media.permalink ?? (await readPermalink(request, graph, media.id, 'permalink')) } : null;
}

/**
 * After an attempt whose outcome is unknown: a saved container that is PUBLISHED is adopted
 * (its media found in `/{ig-user-id}/media`); one that is not means nothing was published (the
 * next publish resumes it). Without a saved container, a media with the same caption since the
 * attempt began is adopted.
 */
export function findOnInstagram(request: PublishRequest, graph: GraphSession): Promise<PublishResult | null> {
  return deferOnPublishingLimit(graph, () => findPublished(request, graph));
}

async function findPublished(request: PublishRequest, graph: GraphSession): Promise<PublishResult | null> {
  const creationId = (request.savedState as InstagramState | null)?.creation_id;
  if (creationId) {
    const container = await readContainer(graph, creationId).catch((err: unknown) => {
      if (err instanceof PublishError && err.code === '100/33') return null;
      throw err;
    });
    if (container?.status_code === 'PUBLISHED') return adoptPublished(request, graph);
    if (container) return null;
  }
  return findMedia(request, graph);
}
