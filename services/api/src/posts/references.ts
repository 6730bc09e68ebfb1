import { accountKindForChannel, type DbOrTx } from '@autoposter/db';
import {
  findPostReferences,
  type PostContent,
  type PostReferences,
  type ReferenceRequirements,
} from '@autoposter/db/repositories/posts';
import type { Issue } from './channel-rules.ts';
import type { PostTarget } from './post-requests.ts';

type MediaFields = Pick<Partial<PostContent>, 'mediaIds' | 'videoMediaId'>;

interface MediaRequirement {
  field: string;
  id: string;
  mimePrefix: string;
  noun: string;
}

/**
 * What a post's references must be: each target's account of the kind its channel needs, images
 * in media_ids, a video in video_media_id. The database checks them as it stores a post
 * (insertPostIfReferencesFit); `targetAndMediaIssues` names the fields that miss them.
 */
export function referenceRequirements(targets: PostTarget[], content: MediaFields): ReferenceRequirements {
  return {
    accounts: targets.map((target) => ({ id: target.account_id, kind: accountKindForChannel[target.channel] })),
    media: mediaRequirements(content),
  };
}

const mediaRequirements = ({ mediaIds = [], videoMediaId }: MediaFields): MediaRequirement[] => [
  ...mediaIds.map((id, index) => ({ field: `media_ids[${index}]`, id, mimePrefix: 'image/', noun: 'an image' })),
  ...(videoMediaId ? [{ field: 'video_media_id', id: videoMediaId, mimePrefix: 'video/', noun: 'a video' }] : []),
];

/**
 * What is wrong with the targets and media, in request order. Without `found` (the references
 * read from the database), only what needs no lookup: group ids and duplicated targets.
 */
export function targetAndMediaIssues(targets: PostTarget[], content: MediaFields, found?: PostReferences): Issue[] {
  return [...targetIssues(targets, found), ...(found ? mediaIssues(mediaRequirements(content), found) : [])];
}

/** Checks the media a post's content references. */
export async function checkMedia(db: DbOrTx, userId: string, content: MediaFields): Promise<Issue[]> {
  const required = mediaRequirements(content);
  return mediaIssues(required, await findPostReferences(db, userId, { accounts: [], media: required }));
}

/** Targets must use the caller's live accounts of the right kind, once each, with a group id only for groups. */
function targetIssues(targets: PostTarget[], found: PostReferences | undefined): Issue[] {
  // Postgres answers ids in lower case; a client may send them in upper case.
  const kindOf = found && new Map(found.accounts.map((account) => [account.id, account.kind]));
  const firstIndexOf = new Map<string, number>();
  return targets.flatMap((target, index) => {
    const at = `targets[${index}]`;
    const identity = JSON.stringify([target.channel, target.account_id.toLowerCase(), target.target_id ?? null]);
    const duplicateOf = firstIndexOf.get(identity);
    if (duplicateOf === undefined) firstIndexOf.set(identity, index);
    return [
      kindOf && accountIssue(at, target, kindOf.get(target.account_id.toLowerCase())),
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

function mediaIssues(required: MediaRequirement[], { media }: PostReferences): Issue[] {
  const mimeOf = new Map(media.map((item) => [item.id, item.mime]));
  return required.flatMap(({ field, id, mimePrefix, noun }): Issue[] => {
    const mime = mimeOf.get(id.toLowerCase());
    if (mime === undefined) return [{ field, message: 'media not found' }];
    return mime.startsWith(mimePrefix) ? [] : [{ field, message: `must be ${noun}, not ${mime}` }];
  });
}
