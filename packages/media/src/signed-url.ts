import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignMediaUrlOptions {
  /** PUBLIC_BASE_URL: how providers reach the gateway. */
  baseUrl: string;
  secret: string;
  mediaId: string;
  ttlSeconds: number;
  now?: Date;
  /** `jpeg`: the URL of the image's JPEG rendition (same signature: it is the same media). */
  rendition?: 'jpeg';
}

export interface VerifyMediaSignatureOptions {
  secret: string;
  mediaId: string;
  /** Unix seconds, from the URL's `expires`. */
  expires: number;
  /** Hex HMAC-SHA256, from the URL's `signature`. */
  signature: string;
  now?: Date;
}

const unixSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

function mediaSignature(secret: string, mediaId: string, expires: number): string {
  return createHmac('sha256', secret).update(`${mediaId}:${expires}`).digest('hex');
}

/** An expiring public URL for a provider that fetches media itself (Instagram). */
export function signMediaUrl({ baseUrl, secret, mediaId, ttlSeconds, now = new Date(), rendition }: SignMediaUrlOptions): string {
  const expires = unixSeconds(now) + ttlSeconds;
  const signature = mediaSignature(secret, mediaId, expires);
  const format = rendition ? `&rendition=${rendition}` : '';
  return `${baseUrl.replace(/\/+$/, '')}/public/media/${mediaId}?expires=${expires}&signature=${signature}${format}`;
}

/** True when the signature was made for this media id and expiry, and the expiry is still ahead. */
export function verifyMediaSignature({ secret, mediaId, expires, signature, now = new Date() }: VerifyMediaSignatureOptions): boolean {
  if (!Number.isSafeInteger(expires) || expires <= unixSeconds(now)) return false;
  const expected = Buffer.from(mediaSignature(secret, mediaId, expires), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
