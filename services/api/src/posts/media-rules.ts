import type { Channel, DbOrTx } from '@autoposter/db';
import { listMediaByIds, type Media } from '@autoposter/db/repositories/media';
import type { PostContent } from '@autoposter/db/repositories/posts';
import type { Issue } from './channel-rules.ts';

/** What Meta refuses of media, checked when the post is created rather than when it is published. */
export const metaMediaLimits = {
  instagramImageBytes: 8 * 1024 * 1024,
  /** width / height: 4:5 to 1.91:1. */
  instagramMinAspect: 4 / 5,
  instagramMaxAspect: 1.91,
  instagramMinWidth: 320,
  instagramMaxWidth: 1440,
  /** Page videos given by URL (`file_url`) are uploaded in one request, which Meta limits to 1 GB. */
  pageVideoBytes: 1024 * 1024 * 1024,
} as const;

type MediaFields = Pick<Partial<PostContent>, 'mediaIds' | 'videoMediaId'>;

const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The image Instagram is given: its JPEG rendition when it has one. */
function instagramImage(row: Media) {
  const rendition = row.jpegRendition;
  return rendition ? { bytes: rendition.size_bytes, width: rendition.width, height: rendition.height } : { bytes: row.sizeBytes, width: row.width, height: row.height };
}

function instagramImageIssues(field: string, row: Media): Issue[] {
  const { bytes, width, height } = instagramImage(row);
  const { instagramImageBytes, instagramMinAspect, instagramMaxAspect, instagramMinWidth, instagramMaxWidth } = metaMediaLimits;
  const issues: Issue[] = [];
  if (bytes > instagramImageBytes) issues.push({ field, message: `instagram takes images up to 8 MiB; this one is ${mebibytes(bytes)} as JPEG` });
  if (width && height) {
    const ratio = width / height;
    if (ratio < instagramMinAspect - 1e-9 || ratio > instagramMaxAspect + 1e-9) {
      issues.push({ field, message: `instagram takes aspect ratios from 4:5 to 1.91:1; this image is ${width}x${height} (${ratio.toFixed(2)}:1)` });
    }
    if (width < instagramMinWidth || width > instagramMaxWidth) {
      issues.push({ field, message: `instagram takes images ${instagramMinWidth} to ${instagramMaxWidth} px wide; this one is ${width} px` });
    }
  }
  return issues;
}

/** Media issues for the post's Meta channels, from the stored media rows. */
export function metaMediaIssues(channels: Iterable<Channel>, content: MediaFields, rows: Media[]): Issue[] {
  const targets = new Set(channels);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const issues: Issue[] = [];
  if (targets.has('instagram')) {
    (content.mediaIds ?? []).forEach((id, index) => {
      const row = byId.get(id.toLowerCase());
      if (row?.mime.startsWith('image/')) issues.push(...instagramImageIssues(`media_ids[${index}]`, row));
    });
  }
  const video = content.videoMediaId ? byId.get(content.videoMediaId.toLowerCase()) : undefined;
  if (targets.has('facebook_page') && video && video.sizeBytes > metaMediaLimits.pageVideoBytes) {
    issues.push({ field: 'video_media_id', message: `facebook_page takes videos up to 1 GiB by URL; this one is ${mebibytes(video.sizeBytes)}` });
  }
  return issues;
}

/**
 * Reads the media the Meta rules need: Instagram images, a Page video. Any other post is stored
 * without this extra read (its one statement checks every reference).
 */
export async function checkMetaMedia(db: DbOrTx, userId: string, channels: Channel[], content: MediaFields): Promise<Issue[]> {
  const images = channels.includes('instagram') ? (content.mediaIds ?? []) : [];
  const video = channels.includes('facebook_page') && content.videoMediaId ? [content.videoMediaId] : [];
  if (images.length === 0 && video.length === 0) return [];
  return metaMediaIssues(channels, content, await listMediaByIds(db, userId, [...images, ...video]));
}
