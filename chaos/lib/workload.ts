import { randomBytes } from 'node:crypto';
import { samplePng } from '@autoposter/media/test-samples';
import type { ApiClient } from './api.ts';
import { targetFor, type Channel, type DrillAccounts } from './accounts.ts';

/** One delivery in three dozen goes through Chromium: a browser run takes seconds, a Graph call milliseconds. */
export const BROWSER_EVERY = 33;

export interface PlannedDelivery {
  n: number;
  /** Unique text in what is published, so the fakes' stores say how often it was published. */
  marker: string;
  channel: Channel;
  postId: string;
  deliveryId: string;
  dueAt?: Date;
}

interface CreatedPost {
  id: string;
  deliveries: { id: string }[];
}

/**
 * Posts of one target each over the four channels (mostly Pages and Instagram, a few percent
 * through the browser), created and started through the API as a client would.
 */
export class Workload {
  readonly deliveries: PlannedDelivery[] = [];
  private readonly tag = randomBytes(3).toString('hex');

  private constructor(
    readonly api: ApiClient,
    readonly accounts: DrillAccounts,
    private readonly imageId: string,
  ) {}

  static async prepare(api: ApiClient, accounts: DrillAccounts): Promise<Workload> {
    const image = await api.upload('chaos.png', 'image/png', samplePng(600, 600));
    return new Workload(api, accounts, image.id);
  }

  channelOf(n: number): Channel {
    if (n % BROWSER_EVERY === 0) return (n / BROWSER_EVERY) % 2 === 0 ? 'marketplace' : 'facebook_group';
    return n % 2 === 0 ? 'facebook_page' : 'instagram';
  }

  private isBrowser(channel: Channel): boolean {
    return channel === 'marketplace' || channel === 'facebook_group';
  }

  /** Creates `count` posts (scheduled at `scheduledAt`, or pending to be started). */
  async create(count: number, scheduledAt?: Date | (() => Date)): Promise<PlannedDelivery[]> {
    const first = this.deliveries.length;
    const created = await inParallel(8, Array.from({ length: count }, (_, i) => first + i), (n) => this.createOne(n, scheduledAt));
    created.sort((a, b) => a.n - b.n);
    this.deliveries.push(...created);
    return created;
  }

  /** Starts pending posts now, a hundred per call. */
  async start(planned: PlannedDelivery[]): Promise<void> {
    for (let i = 0; i < planned.length; i += 100) {
      const postIds = planned.slice(i, i + 100).map((d) => d.postId);
      await this.api.expect(202, 'POST', '/api/posts/start-posting', { post_ids: postIds });
    }
  }

  async createAndStart(count: number): Promise<PlannedDelivery[]> {
    const planned = await this.create(count);
    await this.start(planned);
    return planned;
  }

  private async createOne(n: number, scheduledAt?: Date | (() => Date)): Promise<PlannedDelivery> {
    const at = typeof scheduledAt === 'function' ? scheduledAt() : scheduledAt;
    const channel = this.channelOf(n);
    const marker = `[chaos-${this.tag}-${String(n).padStart(5, '0')}]`;
    const body: Record<string, unknown> = {
      body: `Chaos drill delivery ${marker}`,
      targets: [targetFor(this.accounts, channel, this.isBrowser(channel) ? Math.floor(n / BROWSER_EVERY / 2) : Math.floor(n / 2))],
      ...(at ? { scheduled_at: at.toISOString() } : {}),
    };
    if (channel === 'instagram') body.media_ids = [this.imageId];
    if (channel === 'marketplace') {
      Object.assign(body, { title: `Chaos chair ${marker}`, price: 10, category: 'Furniture', condition: 'Used - good', location: 'Austin, Texas', media_ids: [this.imageId] });
    }
    const post = await this.api.expect<CreatedPost>(201, 'POST', '/api/posts', body);
    return { n, marker, channel, postId: post.id, deliveryId: post.deliveries[0]!.id, ...(at ? { dueAt: at } : {}) };
  }
}

/** Maps `items` with at most `limit` calls in flight. */
export async function inParallel<T, R>(limit: number, items: T[], map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      results.push(await map(item));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
