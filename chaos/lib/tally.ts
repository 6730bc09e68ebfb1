import { withConnection } from '@autoposter/db';
import type { RunningStack } from '@autoposter/stack';
import { control } from './api.ts';
import type { PlannedDelivery } from './workload.ts';

export interface DeliveryRow {
  id: string;
  status: string;
  last_error_type: string | null;
  last_error_message: string | null;
  posted_at: Date | null;
  updated_at: Date;
}

export interface Tally {
  deliveries: number;
  posted: number;
  failed: number;
  canceled: number;
  /** Not posted and not failed with a reason (or canceled), or posted with nothing stored at the provider. */
  lost: string[];
  /** More than one publication stored at the provider for one delivery. */
  duplicates: string[];
  /** Published although its cancel answered that the delivery was canceled. */
  publishedAfterCancel: string[];
  /** Recorded failed although the provider stored the publication. */
  failedButPublished: string[];
  /** Failed deliveries by error type, to say why. */
  failedBy: Record<string, number>;
}

const terminal = new Set(['posted', 'failed', 'canceled']);

export async function deliveryRows(databaseUrl: string, ids: string[]): Promise<DeliveryRow[]> {
  const { rows } = await withConnection(databaseUrl, (client) =>
    client.query<DeliveryRow>('select id, status, last_error_type, last_error_message, posted_at, updated_at from deliveries where id = any($1::uuid[])', [ids]),
  );
  return rows;
}

/** Waits until every delivery is posted, failed or canceled (or the time is up). */
export async function waitUntilSettled(databaseUrl: string, planned: PlannedDelivery[], timeoutMs: number): Promise<{ settled: boolean; ms: number }> {
  const started = Date.now();
  const ids = planned.map((d) => d.deliveryId);
  while (Date.now() - started < timeoutMs) {
    const open = (await deliveryRows(databaseUrl, ids).catch(() => null))?.filter((row) => !terminal.has(row.status));
    if (open && open.length === 0) return { settled: true, ms: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return { settled: false, ms: Date.now() - started };
}

/** Every text each fake stored as published: Page posts, Instagram media, listings, group posts. */
export async function publishedTexts(stack: RunningStack): Promise<string[]> {
  const graph = await control<{ posts: { message: string; isPublished: boolean }[]; videos: { description: string; published: boolean }[]; ig_media: { caption: string }[] }>(
    `${stack.urls.fakeGraph}/_control/state`,
  );
  const listings = await control<{ title: string; description: string }[]>(`${stack.urls.fakeFacebook}/__control/listings`);
  const groupPosts = await control<{ text: string }[]>(`${stack.urls.fakeFacebook}/__control/group-posts`);
  return [
    ...graph.posts.filter((post) => post.isPublished).map((post) => post.message),
    ...graph.videos.filter((video) => video.published).map((video) => video.description),
    ...graph.ig_media.map((media) => media.caption),
    ...listings.map((listing) => `${listing.title}\n${listing.description}`),
    ...groupPosts.map((post) => post.text),
  ];
}

/** Counts from Postgres and from what the fakes stored. `canceledByAnswer`: deliveries whose cancel answered `canceled`. */
export async function tally(stack: RunningStack, planned: PlannedDelivery[], canceledByAnswer = new Set<string>()): Promise<Tally> {
  const rows = new Map((await deliveryRows(stack.databaseUrl, planned.map((d) => d.deliveryId))).map((row) => [row.id, row]));
  const publications = countPublications(await publishedTexts(stack), planned);
  const result: Tally = { deliveries: planned.length, posted: 0, failed: 0, canceled: 0, lost: [], duplicates: [], publishedAfterCancel: [], failedButPublished: [], failedBy: {} };
  for (const delivery of planned) {
    const row = rows.get(delivery.deliveryId);
    const stored = publications.get(delivery.marker) ?? 0;
    const label = `${delivery.channel} ${delivery.deliveryId} ${delivery.marker}`;
    if (stored > 1) result.duplicates.push(`${label}: published ${stored} times`);
    if (canceledByAnswer.has(delivery.deliveryId) && stored > 0) result.publishedAfterCancel.push(label);
    if (row?.status === 'posted') {
      result.posted++;
      if (stored === 0) result.lost.push(`${label}: posted, but nothing stored at the provider`);
    } else if (row?.status === 'failed' && row.last_error_type) {
      result.failed++;
      result.failedBy[row.last_error_type] = (result.failedBy[row.last_error_type] ?? 0) + 1;
      if (stored > 0) result.failedButPublished.push(`${label}: failed (${row.last_error_type}: ${row.last_error_message}) but published`);
    } else if (row?.status === 'canceled') {
      result.canceled++;
    } else {
      result.lost.push(`${label}: ${row ? `${row.status}${row.status === 'failed' ? ' without a reason' : ''}` : 'gone from the database'}`);
    }
  }
  return result;
}

function countPublications(texts: string[], planned: PlannedDelivery[]): Map<string, number> {
  const pattern = /\[chaos-[0-9a-f]{6}-\d{5}\]/g;
  const wanted = new Set(planned.map((d) => d.marker));
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const marker of new Set(text.match(pattern) ?? [])) {
      if (wanted.has(marker)) counts.set(marker, (counts.get(marker) ?? 0) + 1);
    }
  }
  return counts;
}
