import type { GraphErrorSpec } from './faults.ts';
import { checkInstagramImage, checkPageImage, checkVideo } from './media-check.ts';
import type { ContainerStatus, FakeContainer, FakePagePost, GraphStore, SeededToken } from './store.ts';

/** A Graph error answer: `{error: {message, type, code, error_subcode, ...}}`. */
export class GraphError extends Error {
  constructor(readonly spec: GraphErrorSpec) {
    super(spec.message ?? `Graph error ${spec.code}`);
  }

  get status(): number {
    return this.spec.status ?? 400;
  }

  body(fbtraceId: string) {
    const { spec } = this;
    return {
      error: {
        message: spec.message ?? 'An unknown error occurred',
        type: spec.type ?? 'OAuthException',
        code: spec.code,
        ...(spec.subcode !== undefined ? { error_subcode: spec.subcode } : {}),
        ...(spec.isTransient !== undefined ? { is_transient: spec.isTransient } : {}),
        ...(spec.userTitle !== undefined ? { error_user_title: spec.userTitle } : {}),
        ...(spec.userMsg !== undefined ? { error_user_msg: spec.userMsg } : {}),
        fbtrace_id: fbtraceId,
      },
    };
  }
}

export interface GraphSettings {
  /** How long an Instagram container stays IN_PROGRESS before its media are fetched. */
  containerDelayMs: number;
  /** `config.quota_total` of the content publishing limit (rolling 24 h). */
  quotaTotal: number;
  /** How long the fake waits for a media URL. */
  fetchTimeoutMs: number;
  /** Added before every answer (benchmarks). */
  latencyMs: number;
  /** Where permalinks point: the fake's own `/sandbox/...` pages once it listens (see startFakeGraph). */
  facebookUrl: string;
  instagramUrl: string;
}

export const defaultSettings: GraphSettings = {
  containerDelayMs: 50,
  quotaTotal: 100,
  fetchTimeoutMs: 10_000,
  latencyMs: 0,
  facebookUrl: 'https://www.facebook.com',
  instagramUrl: 'https://www.instagram.com',
};

export type Host = 'facebook' | 'instagram';
export type Params = Record<string, unknown>;

export interface GraphCallInput {
  host: Host;
  method: 'GET' | 'POST' | 'DELETE';
  node: string;
  edge: string | null;
  params: Params;
  token: string | null;
}

export interface GraphAnswer {
  body: unknown;
  /** Objects whose Business Use Case usage goes in the headers. */
  objectIds: string[];
  /** The token's kind, for `X-Page-Usage`. */
  tokenKind: SeededToken['kind'] | null;
}

const notFound = (id: string) =>
  new GraphError({
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  });

const unsupportedPost = (id: string) =>
  new GraphError({
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message: `Unsupported post request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  });

const permission = (what: string) =>
  new GraphError({
    code: 200,
    type: 'OAuthException',
    message: `(#200) ${what}`,
  });

const invalidParameter = (message: string, subcode?: number) =>
  new GraphError({ code: 100, type: 'OAuthException', message: `(#100) ${message}`, ...(subcode ? { subcode } : {}) });

const igError = (code: number, subcode: number, message: string, userMsg?: string) =>
  new GraphError({ code, subcode, type: 'OAuthException', message, ...(userMsg ? { userMsg, userTitle: 'Cannot publish' } : {}) });

const truthy = (value: unknown) => value === true || value === 'true' || value === '1' || value === 1;
const falsy = (value: unknown) => value === false || value === 'false' || value === '0' || value === 0;
const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));

function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      return JSON.parse(value) as unknown[];
    } catch {
      return [];
    }
  }
  if (typeof value === 'string' && value) return value.split(',');
  return [];
}

/** `attached_media` as JSON array, JSON string, or `attached_media[0]` form fields. */
function attachedMediaIds(params: Params): string[] {
  const items = params.attached_media !== undefined
    ? list(params.attached_media)
    : Object.keys(params)
        .filter((key) => /^attached_media\[\d+\]$/.test(key))
        .map((key) => params[key]);
  return items.map((item) => {
    const parsed = typeof item === 'string' && item.startsWith('{') ? (JSON.parse(item) as unknown) : item;
    return text((parsed as { media_fbid?: unknown })?.media_fbid ?? parsed);
  });
}

/** `fields=a,b` applied to an object; `id` always answers. */
function pick(object: Record<string, unknown>, fields: unknown): Record<string, unknown> {
  const wanted = text(fields).split(',').map((field) => field.trim()).filter(Boolean);
  if (wanted.length === 0) return object;
  return Object.fromEntries(Object.entries(object).filter(([key]) => key === 'id' || wanted.includes(key)));
}

const unixSeconds = (value: unknown): number | null => {
  if (value === undefined || value === '') return null;
  const number = Number(value);
  if (Number.isFinite(number)) return number;
  const date = Date.parse(text(value));
  return Number.isFinite(date) ? date / 1000 : null;
};

/** Lists newest first with `limit`/`after` cursors, as Graph edges do. */
function page<T>(items: T[], params: Params, toJson: (item: T) => Record<string, unknown>) {
  const limit = Math.min(Math.max(Number(params.limit) || 25, 1), 100);
  const offset = params.after ? Number(Buffer.from(text(params.after), 'base64url').toString()) || 0 : 0;
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
  return {
    data: slice.map((item) => pick(toJson(item), params.fields)),
    paging: { cursors: { before: Buffer.from(String(offset)).toString('base64url'), ...(next ? { after: next } : {}) }, ...(next ? { next: `?after=${next}` } : {}) },
  };
}

/** The Graph API's behaviour over a store. */
export class FakeGraphApi {
  constructor(
    readonly store: GraphStore,
    readonly settings: GraphSettings,
  ) {}

  async handle(call: GraphCallInput): Promise<GraphAnswer> {
    if (call.node === 'refresh_access_token') return this.refreshToken(call);
    const token = this.authenticate(call);
    const node = call.node === 'me' ? token.subjectId : call.node;
    const answer = (body: unknown, ...objectIds: string[]): GraphAnswer => ({ body, objectIds, tokenKind: token.kind });
    if (call.method === 'GET' && call.edge === null) return answer(this.readNode(node, token, call), node);
    if (call.method === 'POST' && call.edge === null) return answer(this.updateNode(node, token, call.params), node);
    if (call.method === 'DELETE' && call.edge === null) return answer(this.deleteNode(node, token), node);
    const key = `${call.method} ${call.edge}`;
    switch (key) {
      case 'GET feed':
        return answer(this.listFeed(this.ownPage(node, token, 'read'), call.params), node);
      case 'POST feed':
        return answer(this.createFeedPost(this.ownPage(node, token, 'write'), call.params), node);
      case 'POST photos':
        return answer(await this.createPhoto(this.ownPage(node, token, 'write'), call.params), node);
      case 'POST videos':
        return answer(await this.createVideo(this.ownPage(node, token, 'write'), call.params), node);
      case 'GET videos':
        return answer(this.listVideos(this.ownPage(node, token, 'read'), call.params), node);
      case 'POST media':
        return answer(this.createContainer(this.ownIgUser(node, token, call.host), call.params), node);
      case 'GET media':
        return answer(this.listIgMedia(this.ownIgUser(node, token, call.host), call.params), node);
      case 'POST media_publish':
        return answer(this.publishContainer(this.ownIgUser(node, token, call.host), call.params), node);
      case 'GET content_publishing_limit':
        return answer(this.publishingLimit(this.ownIgUser(node, token, call.host), call.params), node);
      default:
        throw new GraphError({ code: 100, type: 'GraphMethodException', message: `(#100) Tried accessing nonexisting field (${call.edge}) on node type (${node})` });
    }
  }

  private authenticate(call: GraphCallInput): SeededToken {
    if (!call.token) throw new GraphError({ code: 104, message: 'An access token is required to request this resource.' });
    const token = this.store.tokens.get(call.token);
    const hostOk = token && (token.kind === 'instagram_login') === (call.host === 'instagram');
    if (!token || !hostOk) throw new GraphError({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
    if (token.revoked) {
      throw new GraphError({ code: 190, subcode: 460, message: 'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.' });
    }
    if (token.expired) {
      throw new GraphError({ code: 190, subcode: 463, message: 'Error validating access token: Session has expired on Friday, 04-Dec-26 10:00:00 PST. The current time is Saturday, 05-Dec-26 10:00:00 PST.' });
    }
    return token;
  }

  /** A Page this token speaks for (a Page token of that Page). */
  private ownPage(pageId: string, token: SeededToken, access: 'read' | 'write') {
    const page = this.store.pages.get(pageId);
    if (!page) throw notFound(pageId);
    if (token.kind !== 'page' || token.subjectId !== pageId) {
      if (access === 'read' && token.kind === 'user') return page;
      throw permission('If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission');
    }
    return page;
  }

  /** An IG user this token may act for: its Page's token (Facebook Login) or its own token (Instagram Login). */
  private ownIgUser(igUserId: string, token: SeededToken, host: Host) {
    const user = this.store.igUsers.get(igUserId);
    if (!user) throw notFound(igUserId);
    const allowed =
      host === 'instagram'
        ? token.kind === 'instagram_login' && token.subjectId === igUserId
        : user.login === 'facebook' && token.kind === 'page' && this.store.pages.get(token.subjectId)?.instagramId === igUserId;
    if (!allowed) throw notFound(igUserId);
    return user;
  }

  private readNode(id: string, token: SeededToken, call: GraphCallInput): Record<string, unknown> {
    const { params, host } = call;
    const page = this.store.pages.get(id);
    if (page && host === 'facebook') {
      if (token.kind === 'page' && token.subjectId !== id) throw notFound(id);
      const metadata = truthy(params.metadata) ? { metadata: { type: 'page' } } : {};
      return { ...pick({ id, name: page.name, ...(page.instagramId ? { instagram_business_account: { id: page.instagramId } } : {}) }, params.fields), ...metadata };
    }
    const igUser = this.store.igUsers.get(id);
    if (igUser) {
      this.ownIgUser(id, token, host);
      return pick({ id, user_id: id, username: igUser.username, name: igUser.username }, params.fields);
    }
    if (token.kind === 'user' && token.subjectId === id) {
      return { ...pick({ id, name: 'Fake User' }, params.fields), ...(truthy(params.metadata) ? { metadata: { type: 'user' } } : {}) };
    }
    const post = this.store.posts.get(id);
    if (post && host === 'facebook') {
      this.ownPage(post.pageId, token, 'read');
      return pick(this.postJson(post), params.fields);
    }
    const photo = this.store.photos.get(id);
    if (photo && host === 'facebook') {
      this.ownPage(photo.pageId, token, 'read');
      return pick({ id, published: photo.published, name: photo.caption, page_story_id: photo.postId }, params.fields);
    }
    const video = this.store.videos.get(id);
    if (video && host === 'facebook') {
      this.ownPage(video.pageId, token, 'read');
      return pick({ id, title: video.title, description: video.description, published: video.published, created_time: video.createdTime.toISOString(), permalink_url: video.permalinkUrl }, params.fields);
    }
    const container = this.store.containers.get(id);
    if (container) {
      this.ownIgUser(container.igUserId, token, host);
      this.expireIfOld(container);
      return pick({ id, status_code: container.statusCode, status: container.status }, params.fields ?? 'status_code');
    }
    const media = this.store.igMedia.get(id);
    if (media) {
      this.ownIgUser(media.igUserId, token, host);
      return pick(this.igMediaJson(media), params.fields);
    }
    throw notFound(id);
  }

  private updateNode(id: string, token: SeededToken, params: Params): Record<string, unknown> {
    const post = this.store.posts.get(id);
    if (post) {
      this.ownPage(post.pageId, token, 'write');
      if (truthy(params.is_published) && !post.isPublished) {
        post.isPublished = true;
        post.publishedTime = new Date();
      }
      if (params.message !== undefined) post.message = text(params.message);
      return { success: true };
    }
    const video = this.store.videos.get(id);
    if (video) {
      this.ownPage(video.pageId, token, 'write');
      if (truthy(params.published)) video.published = true;
      return { success: true };
    }
    throw unsupportedPost(id);
  }

  /** Deleting a Page post or video, published or not. */
  private deleteNode(id: string, token: SeededToken): Record<string, unknown> {
    const post = this.store.posts.get(id);
    if (post) {
      this.ownPage(post.pageId, token, 'write');
      this.store.posts.delete(id);
      return { success: true };
    }
    const video = this.store.videos.get(id);
    if (video) {
      this.ownPage(video.pageId, token, 'write');
      this.store.videos.delete(id);
      return { success: true };
    }
    throw unsupportedPost(id);
  }

  private postJson(post: FakePagePost) {
    return {
      id: post.id,
      message: post.message,
      created_time: post.createdTime.toISOString(),
      is_published: post.isPublished,
      permalink_url: post.permalinkUrl,
      ...(post.link ? { link: post.link } : {}),
    };
  }

  private listFeed(pageObject: { id: string }, params: Params) {
    const since = unixSeconds(params.since);
    const posts = [...this.store.posts.values()]
      .filter((post) => post.pageId === pageObject.id && (since === null || post.createdTime.getTime() / 1000 >= since))
      .sort((a, b) => b.createdTime.getTime() - a.createdTime.getTime() || Number(b.id.split('_')[1]) - Number(a.id.split('_')[1]));
    return page(posts, params, (post) => this.postJson(post));
  }

  private newPost(pageId: string, fields: { message: string; link: string | null; attachedMedia: string[]; published: boolean }): FakePagePost {
    const id = `${pageId}_${this.store.newId()}`;
    const now = new Date();
    const post: FakePagePost = {
      id,
      pageId,
      message: fields.message,
      link: fields.link,
      attachedMedia: fields.attachedMedia,
      isPublished: fields.published,
      createdTime: now,
      publishedTime: fields.published ? now : null,
      permalinkUrl: `${this.settings.facebookUrl}/${pageId}/posts/${id.split('_')[1]}`,
    };
    this.store.posts.set(id, post);
    return post;
  }

  private createFeedPost(pageObject: { id: string }, params: Params) {
    const message = text(params.message);
    const link = text(params.link) || null;
    const attachedMedia = attachedMediaIds(params);
    if (!message && !link && attachedMedia.length === 0) throw invalidParameter('Missing message or attachment');
    for (const photoId of attachedMedia) {
      const photo = this.store.photos.get(photoId);
      if (!photo || photo.pageId !== pageObject.id) throw invalidParameter(`Invalid parameter: attached_media ${photoId} is not a photo of this Page`);
      if (photo.published) throw invalidParameter('Invalid parameter: attached_media must be unpublished photos');
    }
    const post = this.newPost(pageObject.id, { message, link, attachedMedia, published: !falsy(params.published) });
    for (const photoId of attachedMedia) this.store.photos.get(photoId)!.postId = post.id;
    return { id: post.id };
  }

  private async createPhoto(pageObject: { id: string }, params: Params) {
    const url = text(params.url);
    if (!url) throw new GraphError({ code: 324, message: '(#324) Requires upload file' });
    const checked = await checkPageImage(url, this.settings.fetchTimeoutMs);
    if (!checked.ok) throw new GraphError({ code: checked.code, message: checked.message });
    const published = !falsy(params.published);
    const caption = text(params.caption ?? params.message);
    const id = this.store.newId();
    const post = published ? this.newPost(pageObject.id, { message: caption, link: null, attachedMedia: [id], published: true }) : null;
    this.store.photos.set(id, { id, pageId: pageObject.id, url, published, caption, postId: post?.id ?? null });
    return post ? { id, post_id: post.id } : { id };
  }

  private async createVideo(pageObject: { id: string }, params: Params) {
    const fileUrl = text(params.file_url);
    if (!fileUrl) throw new GraphError({ code: 100, message: '(#100) file_url or a video file is required' });
    const checked = await checkVideo(fileUrl, this.settings.fetchTimeoutMs, 6000);
    if (!checked.ok) throw new GraphError({ code: 6000, message: `There was a problem uploading your video file: ${checked.message}` });
    const id = this.store.newId();
    this.store.videos.set(id, {
      id,
      pageId: pageObject.id,
      fileUrl,
      title: text(params.title),
      description: text(params.description),
      published: !falsy(params.published),
      createdTime: new Date(),
      permalinkUrl: `${this.settings.facebookUrl}/${pageObject.id}/videos/${id}/`,
    });
    return { id };
  }

  private listVideos(pageObject: { id: string }, params: Params) {
    const since = unixSeconds(params.since);
    const videos = [...this.store.videos.values()]
      .filter((video) => video.pageId === pageObject.id && (since === null || video.createdTime.getTime() / 1000 >= since))
      .reverse();
    return page(videos, params, (video) => ({
      id: video.id,
      title: video.title,
      description: video.description,
      published: video.published,
      created_time: video.createdTime.toISOString(),
      permalink_url: video.permalinkUrl,
    }));
  }

  private createContainer(user: { id: string }, params: Params) {
    const mediaType = text(params.media_type).toUpperCase();
    const caption = text(params.caption);
    if (caption.length > 2200) throw igError(100, 2207010, 'The caption is too long', 'Captions can be at most 2,200 characters.');
    if ((caption.match(/#\w+/g) ?? []).length > 30) throw igError(100, 2207010, 'Too many hashtags', 'Captions can have at most 30 hashtags.');
    if ((caption.match(/@\w+/g) ?? []).length > 20) throw igError(100, 2207040, 'Too many tags', 'Captions can mention at most 20 accounts.');
    const base = {
      id: this.store.newId(),
      igUserId: user.id,
      isCarouselItem: truthy(params.is_carousel_item),
      caption,
      altText: text(params.alt_text) || null,
      statusCode: 'IN_PROGRESS' as ContainerStatus,
      status: 'In Progress',
      createdTime: new Date(),
      mediaId: null,
      imageUrl: null,
      videoUrl: null,
      children: [] as string[],
    };
    let container: FakeContainer;
    if (mediaType === 'CAROUSEL') {
      const children = list(params.children).map(text);
      if (children.length < 2 || children.length > 10) throw igError(100, 2207028, 'Carousel validation failed: a carousel needs 2 to 10 children', 'A carousel needs 2 to 10 photos or videos.');
      for (const child of children) {
        const item = this.store.containers.get(child);
        if (!item || item.igUserId !== user.id || !item.isCarouselItem) throw invalidParameter(`Invalid parameter: children ${child} is not a carousel item of this account`);
      }
      container = { ...base, mediaType: 'CAROUSEL', children };
    } else if (mediaType === 'REELS' || mediaType === 'VIDEO') {
      if (!params.video_url) throw invalidParameter('The parameter video_url is required');
      container = { ...base, mediaType: 'REELS', videoUrl: text(params.video_url) };
    } else {
      if (!params.image_url) throw invalidParameter('The parameter image_url is required');
      container = { ...base, mediaType: 'IMAGE', imageUrl: text(params.image_url) };
    }
    this.store.containers.set(container.id, container);
    setTimeout(() => void this.processContainer(container), this.settings.containerDelayMs).unref();
    return { id: container.id };
  }

  /** Meta fetches the media and checks them while the container is IN_PROGRESS. */
  private async processContainer(container: FakeContainer): Promise<void> {
    const fail = (code: number, message: string) => {
      container.statusCode = 'ERROR';
      container.status = `Error: ${message} (error code ${code})`;
    };
    if (container.mediaType === 'IMAGE') {
      const checked = await checkInstagramImage(container.imageUrl!, this.settings.fetchTimeoutMs);
      if (!checked.ok) return fail(checked.code, checked.message);
    } else if (container.mediaType === 'REELS') {
      const checked = await checkVideo(container.videoUrl!, this.settings.fetchTimeoutMs, 0);
      if (!checked.ok) return fail(checked.code, checked.message);
    } else {
      const failed = container.children.map((id) => this.store.containers.get(id)!).find((child) => child.statusCode !== 'FINISHED' && child.statusCode !== 'IN_PROGRESS');
      if (failed) return fail(2207028, 'Carousel validation failed: a child container failed');
      const pending = container.children.some((id) => this.store.containers.get(id)!.statusCode === 'IN_PROGRESS');
      if (pending) {
        setTimeout(() => void this.processContainer(container), this.settings.containerDelayMs).unref();
        return;
      }
    }
    if (container.statusCode === 'IN_PROGRESS') {
      container.statusCode = 'FINISHED';
      container.status = 'Finished: Media has been uploaded and it is ready to be published.';
    }
  }

  /** Containers not published within 24 hours expire. */
  private expireIfOld(container: FakeContainer) {
    if (container.statusCode !== 'PUBLISHED' && Date.now() - container.createdTime.getTime() > 86_400_000) {
      container.statusCode = 'EXPIRED';
      container.status = 'Expired: the container was not published within 24 hours';
    }
  }

  expireContainer(id: string): void {
    const container = this.store.containers.get(id);
    if (!container) throw new Error(`no container ${id}`);
    container.statusCode = 'EXPIRED';
    container.status = 'Expired: the container was not published within 24 hours';
  }

  private publishContainer(user: { id: string }, params: Params) {
    const creationId = text(params.creation_id);
    const container = this.store.containers.get(creationId);
    if (!container || container.igUserId !== user.id) throw igError(100, 2207006, `The media with id ${creationId} cannot be found`);
    if (container.isCarouselItem) throw invalidParameter('A carousel item cannot be published on its own');
    this.expireIfOld(container);
    switch (container.statusCode) {
      case 'IN_PROGRESS':
        throw igError(9007, 2207027, 'Media ID is not available', 'The media is not ready for publishing, please wait for a moment');
      case 'ERROR':
        throw igError(9004, 2207053, `The media could not be processed: ${container.status}`);
      case 'EXPIRED':
        throw igError(100, 2207008, 'The media container has expired', 'This media has expired. Please create it again.');
      case 'PUBLISHED':
        throw invalidParameter(`The media container ${creationId} was already published as ${container.mediaId}`);
      case 'FINISHED':
        break;
    }
    if (this.store.quotaUsage(user.id) >= this.settings.quotaTotal) {
      throw igError(9, 2207042, '(#9) Application request limit reached', 'You reached the maximum number of posts that is allowed to be published by Content Publishing API in 24 hours.');
    }
    const mediaId = this.store.newId();
    const timestamp = new Date();
    this.store.igMedia.set(mediaId, {
      id: mediaId,
      igUserId: user.id,
      containerId: container.id,
      mediaType: container.mediaType === 'CAROUSEL' ? 'CAROUSEL_ALBUM' : container.mediaType === 'REELS' ? 'VIDEO' : 'IMAGE',
      caption: container.caption,
      altText: container.altText,
      timestamp,
      permalink: `${this.settings.instagramUrl}/p/${Buffer.from(mediaId).toString('base64url')}/`,
    });
    container.statusCode = 'PUBLISHED';
    container.status = 'Published: Media has been published';
    container.mediaId = mediaId;
    this.store.publishTimes.set(user.id, [...(this.store.publishTimes.get(user.id) ?? []), timestamp]);
    return { id: mediaId };
  }

  private igMediaJson(media: { id: string; caption: string; timestamp: Date; permalink: string; mediaType: string; altText: string | null }) {
    return {
      id: media.id,
      caption: media.caption,
      media_type: media.mediaType,
      timestamp: media.timestamp.toISOString().replace(/\.\d{3}Z$/, '+0000'),
      permalink: media.permalink,
      ...(media.altText ? { alt_text: media.altText } : {}),
    };
  }

  private listIgMedia(user: { id: string }, params: Params) {
    const since = unixSeconds(params.since);
    const media = this.store
      .publishedIgMedia(user.id)
      .filter((item) => since === null || item.timestamp.getTime() / 1000 >= since)
      .reverse();
    return page(media, params, (item) => this.igMediaJson(item));
  }

  private publishingLimit(user: { id: string }, params: Params) {
    const usage = this.store.quotaUsage(user.id);
    const item = { quota_usage: usage, config: { quota_total: this.settings.quotaTotal, quota_duration: 86_400 } };
    return { data: [pick(item, params.fields)] };
  }

  /** Instagram Login: `GET /refresh_access_token?grant_type=ig_refresh_token` gives a fresh 60-day token. */
  private refreshToken(call: GraphCallInput): GraphAnswer {
    if (call.host !== 'instagram') throw notFound('refresh_access_token');
    if (call.params.grant_type !== 'ig_refresh_token') throw invalidParameter('grant_type must be ig_refresh_token');
    const old = this.authenticate(call);
    const fresh = `IGQ${this.store.newId()}${Math.random().toString(36).slice(2)}`;
    this.store.addToken({ token: fresh, kind: 'instagram_login', subjectId: old.subjectId });
    return { body: { access_token: fresh, token_type: 'bearer', expires_in: 5_184_000 }, objectIds: [], tokenKind: old.kind };
  }
}
