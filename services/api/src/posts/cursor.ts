import { UUID_REGEX } from '@autoposter/db';
import type { PostPosition } from '@autoposter/db/repositories/posts';
import { badRequest } from '../plugins/errors.ts';

const microsecondTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** Rejects impossible dates (Feb 30) that Date.parse rolls over but Postgres refuses. */
function isRealTimestamp(value: string): boolean {
  if (!microsecondTimestamp.test(value)) return false;
  const time = Date.parse(value);
  return time >= 0 && new Date(time).toISOString().slice(0, 23) === value.slice(0, 23);
}

/** An opaque page cursor: base64url of "<created_at with microseconds>|<id>". */
export const encodeCursor = (position: PostPosition) =>
  Buffer.from(`${position.createdAt}|${position.id}`).toString('base64url');

export function decodeCursor(cursor: string): PostPosition {
  const [createdAt = '', id = '', ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const valid = rest.length === 0 && isRealTimestamp(createdAt) && UUID_REGEX.test(id);
  if (!valid) throw badRequest('querystring.cursor is not a cursor from a previous page; omit it to start from the newest');
  return { createdAt, id };
}
