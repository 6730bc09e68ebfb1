import type { Redis } from 'ioredis';
import { eventStreamKey, readEvents, type StoredEvent } from '@autoposter/queue';
import { compareStreamIds } from './stream-ids.ts';

export interface RetentionCheck {
  /** Events after the id were trimmed before they could be replayed. */
  truncated: boolean;
  /** The oldest event the stream still keeps (null when it keeps none). */
  oldestId: string | null;
}

/**
 * Whether the stream dropped events after `lastId`. Trimming removes the oldest entries, so
 * that is the case when the stream has trimmed anything and `lastId` is older than what it
 * keeps. (Right at that edge, an id that was itself the last one trimmed also counts.)
 */
export async function checkRetention(redis: Redis, prefix: string, lastId: string): Promise<RetentionCheck> {
  let info: unknown[];
  try {
    info = (await redis.xinfo('STREAM', eventStreamKey(prefix))) as unknown[];
  } catch (err) {
    if (/no such key/i.test((err as Error).message)) return { truncated: false, oldestId: null };
    throw err;
  }
  const field = (name: string) => info[info.indexOf(name) + 1];
  const length = Number(field('length'));
  const added = Number(field('entries-added') ?? length);
  const firstEntry = field('first-entry') as [string, string[]] | null;
  const lastGenerated = String(field('last-generated-id'));
  const oldestId = firstEntry?.[0] ?? null;
  const trimmedAny = added > length;
  const truncated = trimmedAny && compareStreamIds(lastId, oldestId ?? lastGenerated) < 0;
  return { truncated, oldestId };
}

export interface ReplayOptions {
  afterId: string;
  userId: string;
  accepts?: (event: StoredEvent) => boolean;
  pageSize?: number;
}

/**
 * The user's events after `afterId`, oldest first, as pages (the stream is shared by every
 * user: each page is read whole and filtered here). Ends at the end of the stream as it is
 * when the last page is read.
 */
export async function* replayEvents(redis: Redis, prefix: string, options: ReplayOptions): AsyncGenerator<StoredEvent[]> {
  const pageSize = options.pageSize ?? 1_000;
  let after = options.afterId;
  for (;;) {
    const page = await readEvents(redis, prefix, { afterId: after, count: pageSize });
    if (page.length === 0) return;
    after = page.at(-1)!.id;
    const mine = page.filter((event) => event.user_id === options.userId && (options.accepts?.(event) ?? true));
    if (mine.length > 0) yield mine;
    if (page.length < pageSize) return;
  }
}
