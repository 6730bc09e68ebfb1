/** What the fake Graph API knows and stores: seeded identities and everything written to it. */

export type TokenKind = 'page' | 'user' | 'instagram_login';

export interface SeededToken {
  token: string;
  kind: TokenKind;
  /** The Page id (page tokens), user id (user tokens) or IG user id (Instagram Login tokens). */
  subjectId: string;
  /** Expired tokens answer 190/463, revoked ones 190/460. */
  expired?: boolean;
  revoked?: boolean;
}

export interface FakePage {
  id: string;
  name: string;
  /** The Instagram professional account connected to it (Facebook Login). */
  instagramId?: string;
}

export interface FakeIgUser {
  id: string;
  username: string;
  /** `facebook`: reached through graph.facebook.com with its Page's token; `instagram`: Instagram Login. */
  login: 'facebook' | 'instagram';
}

export interface FakePagePost {
  id: string;
  pageId: string;
  message: string;
  link: string | null;
  attachedMedia: string[];
  isPublished: boolean;
  createdTime: Date;
  publishedTime: Date | null;
  permalinkUrl: string;
}

export interface FakePhoto {
  id: string;
  pageId: string;
  url: string;
  published: boolean;
  caption: string;
  /** The feed post of a published photo. */
  postId: string | null;
}

export interface FakeVideo {
  id: string;
  pageId: string;
  fileUrl: string;
  title: string;
  description: string;
  published: boolean;
  createdTime: Date;
  permalinkUrl: string;
}

export type ContainerStatus = 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'PUBLISHED';

export interface FakeContainer {
  id: string;
  igUserId: string;
  mediaType: 'IMAGE' | 'CAROUSEL' | 'REELS';
  isCarouselItem: boolean;
  imageUrl: string | null;
  videoUrl: string | null;
  caption: string;
  altText: string | null;
  children: string[];
  statusCode: ContainerStatus;
  /** Meta's free-text status; names the error code when it failed. */
  status: string;
  createdTime: Date;
  /** The media it became, once published. */
  mediaId: string | null;
}

export interface FakeIgMedia {
  id: string;
  igUserId: string;
  containerId: string;
  mediaType: string;
  caption: string;
  altText: string | null;
  timestamp: Date;
  permalink: string;
}

export interface GraphCall {
  method: string;
  /** The path without the version prefix, e.g. `/1234/feed`. */
  path: string;
  /** `facebook` or `instagram`: which host (prefix) answered. */
  host: 'facebook' | 'instagram';
  version: string;
  at: Date;
  status: number;
}

export class GraphStore {
  pages = new Map<string, FakePage>();
  igUsers = new Map<string, FakeIgUser>();
  tokens = new Map<string, SeededToken>();
  posts = new Map<string, FakePagePost>();
  photos = new Map<string, FakePhoto>();
  videos = new Map<string, FakeVideo>();
  containers = new Map<string, FakeContainer>();
  igMedia = new Map<string, FakeIgMedia>();
  /** Publication times per IG user, for the rolling 24 h publishing quota. */
  publishTimes = new Map<string, Date[]>();
  calls: GraphCall[] = [];
  private nextId = 100_000_000_000;

  newId(): string {
    this.nextId += 1;
    return String(this.nextId);
  }

  addPage(page: FakePage): void {
    this.pages.set(page.id, page);
  }

  addIgUser(user: FakeIgUser): void {
    this.igUsers.set(user.id, user);
  }

  addToken(token: SeededToken): void {
    this.tokens.set(token.token, token);
  }

  /** Publications of an IG user within the last 24 hours. */
  quotaUsage(igUserId: string, now = new Date()): number {
    const since = now.getTime() - 86_400_000;
    const times = (this.publishTimes.get(igUserId) ?? []).filter((time) => time.getTime() > since);
    this.publishTimes.set(igUserId, times);
    return times.length;
  }

  /** When the oldest publication of the window leaves it (the quota frees one slot). */
  quotaFreesAt(igUserId: string): Date | null {
    const oldest = this.publishTimes.get(igUserId)?.[0];
    return oldest ? new Date(oldest.getTime() + 86_400_000) : null;
  }

  publishedPagePosts(pageId?: string): FakePagePost[] {
    return [...this.posts.values()].filter((post) => post.isPublished && (!pageId || post.pageId === pageId));
  }

  publishedVideos(pageId?: string): FakeVideo[] {
    return [...this.videos.values()].filter((video) => video.published && (!pageId || video.pageId === pageId));
  }

  publishedIgMedia(igUserId?: string): FakeIgMedia[] {
    return [...this.igMedia.values()].filter((media) => !igUserId || media.igUserId === igUserId);
  }

  clearContent(): void {
    for (const map of [this.posts, this.photos, this.videos, this.containers, this.igMedia, this.publishTimes]) map.clear();
    this.calls = [];
  }
}
