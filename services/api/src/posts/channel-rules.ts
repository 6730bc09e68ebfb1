import type { Channel } from '@autoposter/db';
import type { PostContent } from '@autoposter/db/repositories/posts';

/** What the channel rules look at, derived from a post's content (media already checked by type). */
export interface RuleSubject {
  title: string | null;
  body: string;
  price: number | null;
  currency: string | null;
  link: string | null;
  imageCount: number;
  hasVideo: boolean;
}

/** The rule subject of stored or requested content; every media id counts as an image (checked apart). */
export const ruleSubject = (content: PostContent): RuleSubject => ({
  title: content.title ?? null,
  body: content.body,
  price: content.price == null ? null : Number(content.price),
  currency: content.currency ?? null,
  link: content.link ?? null,
  imageCount: content.mediaIds?.length ?? 0,
  hasVideo: content.videoMediaId != null,
});

/** A broken rule, named by the request field a person has to change. */
export interface Issue {
  field: string;
  message: string;
}

type Rule = (post: RuleSubject) => Issue | undefined;

const rule =
  (field: string, message: string, isBroken: (post: RuleSubject) => boolean): Rule =>
  (post) =>
    isBroken(post) ? { field, message } : undefined;

export const limits = {
  facebookPageBody: 63_206,
  instagramCaption: 2_200,
  instagramHashtags: 30,
  instagramMentions: 20,
  instagramCarouselItems: 10,
} as const;

/** Counts what a person sees as characters (code points), as the providers do. */
const characterCount = (text: string) => [...text].length;
const hashtagCount = (text: string) => text.match(/#[\p{L}\p{N}_]+/gu)?.length ?? 0;
const mentionCount = (text: string) => text.match(/(?<![\p{L}\p{N}_.])@[\p{L}\p{N}_.]+/gu)?.length ?? 0;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Rules for every post, whatever its channels. */
export const contentRules: readonly Rule[] = [
  rule('link', 'must be an http(s) URL', (post) => post.link !== null && !isHttpUrl(post.link)),
  rule('currency', 'must be a 3-letter currency code such as USD', (post) => post.currency !== null && !/^[A-Z]{3}$/.test(post.currency)),
];

export const channelRules: Record<Channel, readonly Rule[]> = {
  marketplace: [
    rule('title', 'marketplace needs a title', (post) => !post.title?.trim()),
    rule('price', 'marketplace needs a price', (post) => post.price === null),
    rule('media_ids', 'marketplace needs at least one photo', (post) => post.imageCount === 0),
  ],
  facebook_group: [],
  facebook_page: [
    rule('body', `facebook_page allows at most ${limits.facebookPageBody} characters`, (post) => characterCount(post.body) > limits.facebookPageBody),
  ],
  instagram: [
    rule('media_ids', 'instagram needs at least one image or a video', (post) => post.imageCount === 0 && !post.hasVideo),
    rule('body', `instagram captions allow at most ${limits.instagramCaption} characters`, (post) => characterCount(post.body) > limits.instagramCaption),
    rule('body', `instagram captions allow at most ${limits.instagramHashtags} hashtags`, (post) => hashtagCount(post.body) > limits.instagramHashtags),
    rule('body', `instagram captions allow at most ${limits.instagramMentions} @-mentions`, (post) => mentionCount(post.body) > limits.instagramMentions),
    rule(
      'media_ids',
      `an instagram carousel allows at most ${limits.instagramCarouselItems} items`,
      (post) => post.imageCount + (post.hasVideo ? 1 : 0) > limits.instagramCarouselItems,
    ),
  ],
};

/** Every rule the post breaks for the given channels (each channel counted once). */
export function checkChannelRules(channels: Iterable<Channel>, post: RuleSubject): Issue[] {
  const rules = [...contentRules, ...[...new Set(channels)].flatMap((channel) => channelRules[channel])];
  return rules.map((check) => check(post)).filter((issue) => issue !== undefined);
}
