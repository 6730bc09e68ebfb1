import type { Keyring } from '@autoposter/crypto';
import { decryptJson, SecretDecryptError } from '@autoposter/crypto';
import type { Account } from '@autoposter/db/repositories/accounts';
import type { MediaRow, PostRow } from '@autoposter/db/repositories/delivery-runs';
import { mediaFilePath, signMediaUrl } from '@autoposter/media';
import {
  PublishError,
  type AccountCredentials,
  type AccountKind,
  type PublishAccount,
  type PublishMedia,
  type PublishPost,
} from '@autoposter/publisher';

export interface MediaSettings {
  /** MEDIA_DIR: where uploads are stored. */
  dir: string;
  /** PUBLIC_BASE_URL: how providers reach the gateway. */
  publicBaseUrl: string;
  urlSecret: string;
  urlTtlSeconds: number;
}

/**
 * The post as the publisher sees it: content, and media as local files and signed public URLs.
 * `mediaRows` are the owner's media the post references, as read with the claim.
 */
export function toPublishPost(post: PostRow | null, mediaRows: MediaRow[], settings: MediaSettings): PublishPost {
  if (!post || post.deletedAt) throw new PublishError('validation_error', 'The post was deleted before it could be published');
  const mediaIds = post.videoMediaId ? [...post.mediaIds, post.videoMediaId] : post.mediaIds;
  const rows = inIdOrder(mediaRows, mediaIds);
  if (rows.length !== mediaIds.length) throw new PublishError('validation_error', 'A media file of the post no longer exists');
  const media = rows.map((row) => toPublishMedia(row, settings));
  return {
    id: post.id,
    title: post.title,
    body: post.body,
    price: post.price,
    currency: post.currency,
    category: post.category,
    condition: post.condition,
    location: post.location,
    link: post.link,
    media: post.videoMediaId ? media.slice(0, -1) : media,
    video: post.videoMediaId ? media.at(-1)! : null,
  };
}

/** The rows in the order of `ids` (missing ones are left out). */
function inIdOrder(rows: MediaRow[], ids: string[]): MediaRow[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

function toPublishMedia(row: MediaRow, settings: MediaSettings): PublishMedia {
  return {
    id: row.id,
    mime: row.mime,
    sizeBytes: row.sizeBytes,
    width: row.width,
    height: row.height,
    filePath: mediaFilePath(settings.dir, row.storageKey),
    // Providers that fetch by URL get the JPEG rendition when the image has one (Instagram takes JPEG only).
    publicUrl: signMediaUrl({
      baseUrl: settings.publicBaseUrl,
      secret: settings.urlSecret,
      mediaId: row.id,
      ttlSeconds: settings.urlTtlSeconds,
      ...(row.jpegRendition ? { rendition: 'jpeg' as const } : {}),
    }),
    altText: row.altText,
  };
}

/** The account with its credentials decrypted: for this attempt's publisher call only, never stored or logged. */
export function toPublishAccount(account: Account, keyring: Keyring): PublishAccount {
  try {
    return {
      id: account.id,
      kind: account.kind as AccountKind,
      name: account.name,
      credentials: decryptJson<AccountCredentials>(keyring, account.credentialsEncrypted),
    };
  } catch (err) {
    if (!(err instanceof SecretDecryptError)) throw err;
    // Retried: the usual cause is a missing key in SECRETS_KEYS, which an operator can fix.
    throw new PublishError('unknown', 'The account credentials could not be decrypted (check SECRETS_KEYS)');
  }
}
