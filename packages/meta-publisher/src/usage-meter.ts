import type { Redis } from 'ioredis';
import type { GraphUsage } from '@autoposter/graph-client';
import { PublishDeferral } from '@autoposter/publisher';

/** A Page's or IG user's usage past the threshold, and until when its deliveries wait. */
interface HighUsage {
  percent: number;
  until: number;
}

/** Where high usage is kept until its wait is over. */
interface HighUsageStore {
  set(objectId: string, high: HighUsage): Promise<void>;
  get(objectId: string): Promise<HighUsage | null>;
}

class MemoryStore implements HighUsageStore {
  private readonly entries = new Map<string, HighUsage>();

  async set(objectId: string, high: HighUsage) {
    this.entries.set(objectId, high);
  }

  async get(objectId: string) {
    const high = this.entries.get(objectId);
    if (high && high.until > Date.now()) return high;
    this.entries.delete(objectId);
    return null;
  }
}

/** Shared by every replica: a key per account that expires when its wait is over. */
class RedisStore implements HighUsageStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(objectId: string) {
    return `${this.prefix}:meta:usage:${objectId}`;
  }

  async set(objectId: string, high: HighUsage) {
    await this.redis.set(this.key(objectId), JSON.stringify(high), 'PX', Math.max(1, high.until - Date.now()));
  }

  async get(objectId: string) {
    const value = await this.redis.get(this.key(objectId));
    return value ? (JSON.parse(value) as HighUsage) : null;
  }
}

export interface UsageMeterOptions {
  /** GRAPH_USAGE_SLOWDOWN: at or above this percent, the account's next deliveries wait. */
  thresholdPercent: number;
  /** How long they wait when Meta gives no `estimated_time_to_regain_access`. */
  slowdownMs: number;
  /** Where readings are shared across replicas; in this process's memory without it. */
  redis?: { client: Redis; prefix: string };
}

/**
 * The usage Meta reported for each Page / IG user on any answer of its calls. A reading at or
 * above the threshold makes the account's deliveries wait until Meta's estimate (or
 * `slowdownMs`) is over. A lower reading does not lift the wait: an answer carries only some of
 * the usage headers, so a low figure on one says nothing of the others. Pacing is a courtesy to
 * Meta: when the store cannot be reached nothing waits (a refusal is still waited for).
 */
export class UsageMeter {
  private readonly store: HighUsageStore;

  constructor(private readonly options: UsageMeterOptions) {
    this.store = options.redis ? new RedisStore(options.redis.client, options.redis.prefix) : new MemoryStore();
  }

  record(objectId: string, usage: GraphUsage): void {
    if (usage.percent < this.options.thresholdPercent && usage.regainAccessMs === 0) return;
    const until = Date.now() + (usage.regainAccessMs || this.options.slowdownMs);
    this.store.set(objectId, { percent: usage.percent, until }).catch(() => undefined);
  }

  /** A deferral while the account's usage is high, else null. */
  async deferral(objectId: string): Promise<PublishDeferral | null> {
    const high = await this.store.get(objectId).catch(() => null);
    if (!high || high.until <= Date.now()) return null;
    return new PublishDeferral(new Date(high.until), `Meta reports ${high.percent}% of this account's call budget used: slowing down before it refuses`, { accountWide: true });
  }
}
