import type { GraphSession } from './graph-session.ts';

export interface Listed {
  id: string;
  created_time?: string;
  timestamp?: string;
}

/** Clocks differ: look a little before the attempt began. */
const CLOCK_SLACK_MS = 2 * 60_000;
const MAX_PAGES = 5;

/** Meta writes `2026-12-05T04:00:00+0000`, which Date.parse reads only with a colon in the offset. */
export const graphTime = (value: string | undefined): number => (value ? Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : NaN);

/** The newest item of an edge created since `since` that `matches`, reading a few pages at most. */
export async function findRecent<T extends Listed>(
  graph: GraphSession,
  path: string,
  fields: string,
  since: Date,
  matches: (item: T) => boolean,
): Promise<T | null> {
  const sinceMs = since.getTime() - CLOCK_SLACK_MS;
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const listed = await graph.get<{ data: T[]; paging?: { cursors?: { after?: string }; next?: string } }>(path, {
      fields,
      since: Math.floor(sinceMs / 1000),
      limit: 50,
      ...(after ? { after } : {}),
    });
    for (const item of listed.data) {
      const created = graphTime(item.created_time ?? item.timestamp);
      if (Number.isFinite(created) && created < sinceMs) return null;
      if (matches(item)) return item;
    }
    after = listed.paging?.next ? listed.paging.cursors?.after : undefined;
    if (!after) return null;
  }
  return null;
}
