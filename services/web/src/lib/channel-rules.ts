// What each channel needs, shown while composing, before anything is sent. The gateway checks
// the same rules on create (a 400 names the field); these hints only spare a round trip.

export type Channel = 'marketplace' | 'facebook_group' | 'facebook_page' | 'instagram';

export const CHANNEL_LABELS: Record<Channel, string> = {
  marketplace: 'Marketplace',
  facebook_group: 'Facebook group',
  facebook_page: 'Facebook Page',
  instagram: 'Instagram',
};

export interface DraftMedia {
  mime: string;
  width?: number | null;
  height?: number | null;
}

export interface Draft {
  title: string;
  body: string;
  price: string;
  images: DraftMedia[];
  video: DraftMedia | null;
}

export interface Hint {
  channel: Channel;
  field: 'title' | 'body' | 'price' | 'media';
  message: string;
}

export const LIMITS = {
  facebookPageBody: 63_206,
  instagramCaption: 2_200,
  instagramHashtags: 30,
  instagramCarouselItems: 10,
  /** Instagram feed images: from 4:5 portrait to 1.91:1 landscape. */
  instagramMinAspect: 4 / 5,
  instagramMaxAspect: 1.91,
} as const;

const INSTAGRAM_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

const characters = (text: string) => [...text].length;
const hashtags = (text: string) => text.match(/#[\p{L}\p{N}_]+/gu)?.length ?? 0;

function instagramHints(draft: Draft): string[] {
  const found: string[] = [];
  if (draft.images.length === 0 && !draft.video) found.push('needs at least one image or a video');
  if (draft.images.length + (draft.video ? 1 : 0) > LIMITS.instagramCarouselItems) {
    found.push(`a carousel allows at most ${LIMITS.instagramCarouselItems} items`);
  }
  if (draft.images.some((image) => !INSTAGRAM_IMAGE_TYPES.has(image.mime))) found.push('images must be JPEG, PNG or WebP (sent as JPEG)');
  const outOfRatio = draft.images.filter((image) => {
    if (!image.width || !image.height) return false;
    const ratio = image.width / image.height;
    return ratio < LIMITS.instagramMinAspect - 0.005 || ratio > LIMITS.instagramMaxAspect + 0.005;
  });
  if (outOfRatio.length > 0) found.push(`${outOfRatio.length} image(s) outside the 4:5 to 1.91:1 aspect ratio`);
  return found;
}

/** Every rule a draft breaks for the chosen channels, by field, in a stable order. */
export function channelHints(channels: Iterable<Channel>, draft: Draft): Hint[] {
  const hints: Hint[] = [];
  const add = (channel: Channel, field: Hint['field'], message: string) => hints.push({ channel, field, message });
  for (const channel of new Set(channels)) {
    if (channel === 'marketplace') {
      if (!draft.title.trim()) add(channel, 'title', 'Marketplace needs a title');
      if (draft.price.trim() === '' || Number.isNaN(Number(draft.price))) add(channel, 'price', 'Marketplace needs a price');
      if (draft.images.length === 0) add(channel, 'media', 'Marketplace needs at least one photo');
    }
    if (channel === 'facebook_page' && characters(draft.body) > LIMITS.facebookPageBody) {
      add(channel, 'body', `A Page post allows at most ${LIMITS.facebookPageBody} characters`);
    }
    if (channel === 'instagram') {
      if (characters(draft.body) > LIMITS.instagramCaption) add(channel, 'body', `Instagram captions allow at most ${LIMITS.instagramCaption} characters`);
      if (hashtags(draft.body) > LIMITS.instagramHashtags) add(channel, 'body', `Instagram captions allow at most ${LIMITS.instagramHashtags} hashtags`);
      for (const message of instagramHints(draft)) add(channel, 'media', `Instagram: ${message}`);
    }
  }
  return hints;
}

/** The rules of a channel in words, shown before a person fills anything in. */
export const CHANNEL_RULES: Record<Channel, string> = {
  marketplace: 'Marketplace: title, price and at least one photo.',
  facebook_group: 'Group: the text; photos optional; a group id per target.',
  facebook_page: `Page: up to ${LIMITS.facebookPageBody.toLocaleString('en-US')} characters.`,
  instagram: `Instagram: an image (sent as JPEG, 4:5 to 1.91:1) or a video; caption up to ${LIMITS.instagramCaption.toLocaleString('en-US')} characters and ${LIMITS.instagramHashtags} hashtags.`,
};
