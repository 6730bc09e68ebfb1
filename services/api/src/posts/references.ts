import { accountKindForChannel, type DbOrTx } from '@autoposter/db';
import { findOwnedMedia, findUsableAccounts, type PostContent } from '@autoposter/db/repositories/posts';
import type { Issue } from './channel-rules.ts';
import type { PostTarget } from './post-requests.ts';

/** Targets must use the caller's live accounts of the right kind, once each, with a group id only for groups. */
export async function checkTargets(db: DbOrTx, userId: string, targets: PostTarget[]): Promise<Issue[]> {
  const accounts = await findUsableAccounts(db, userId, [...new Set(targets.map((target) => target.account_id))]);
  // Postgres answers ids in lower case; a client may send them in upper case.
  const kindOf = new Map(accounts.map((account) => [account.id, account.kind]));
  const firstIndexOf = new Map<string, number>();
  return targets.flatMap((target, index) => {
    const at = `targets[${index}]`;
    const identity = JSON.stringify([target.channel, target.account_id.toLowerCase(), target.target_id ?? null]);
    const duplicateOf = firstIndexOf.get(identity);
    if (duplicateOf === undefined) firstIndexOf.set(identity, index);
    return [
      accountIssue(at, target, kindOf.get(target.account_id.toLowerCase())),
      targetIdIssue(at, target),
      duplicateOf === undefined ? undefined : { field: at, message: `duplicates targets[${duplicateOf}]` },
    ].filter((issue) => issue !== undefined);
  });
}

function accountIssue(at: string, target: PostTarget, kind: string | undefined): Issue | undefined {
  const field = `${at}.account_id`;
  if (kind === undefined) return { field, message: 'account not found' };
  const needed = accountKindForChannel[target.channel];
  if (kind !== needed) return { field, message: `a ${kind} account cannot post to ${target.channel}; it needs a ${needed} account` };
  return undefined;
}

function targetIdIssue(at: string, target: PostTarget): Issue | undefined {
  const field = `${at}.target_id`;
  const hasTargetId = target.target_id != null;
  if (target.channel === 'facebook_group' && !hasTargetId) return { field, message: 'facebook_group targets need the group id' };
  if (target.channel !== 'facebook_group' && hasTargetId) return { field, message: 'only facebook_group targets take a target_id' };
  return undefined;
}

/** Media must be the caller's: images in media_ids, a video in video_media_id. */
export async function checkMedia(db: DbOrTx, userId: string, content: Partial<PostContent>): Promise<Issue[]> {
  const imageIds = content.mediaIds ?? [];
  const videoId = content.videoMediaId ?? undefined;
  const found = await findOwnedMedia(db, userId, videoId ? [...imageIds, videoId] : imageIds);
  const mimeOf = new Map(found.map((item) => [item.id, item.mime]));
  const issues = imageIds.map((id, index) => mediaIssue(`media_ids[${index}]`, mimeOf.get(id.toLowerCase()), 'image'));
  if (videoId) issues.push(mediaIssue('video_media_id', mimeOf.get(videoId.toLowerCase()), 'video'));
  return issues.filter((issue) => issue !== undefined);
}

function mediaIssue(field: string, mime: string | undefined, expected: 'image' | 'video'): Issue | undefined {
  if (mime === undefined) return { field, message: 'media not found' };
  if (!mime.startsWith(`${expected}/`)) return { field, message: `must be ${expected === 'image' ? 'an image' : 'a video'}, not ${mime}` };
  return undefined;
}
