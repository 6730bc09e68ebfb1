import type { Redis } from 'ioredis';
import { eventStreamKey, readEvents, type StoredEvent } from '@autoposter/queue';

export interface StreamFollowerOptions {
  /** A connection of its own: XREAD BLOCK holds it while it waits. */
  redis: Redis;
  prefix: string;
  /** Awaited: the follower moves past a batch once this resolved, and reads it again if it threw. */
  onEvents: (events: StoredEvent[]) => void | Promise<void>;
  /** Where to start (the id of the last event already handled); the stream's current end by default. */
  startAfter?: string | null;
  logger: { warn(fields: object, message: string): void };
  blockMs?: number;
  batchSize?: number;
}

const RETRY_AFTER_ERROR_MS = 500;

/**
 * The one reader of the event stream in a process: follows it with XREAD BLOCK from the end it
 * found at start, and hands every batch, in order, to `onEvents` (the hub fans it out).
 */
export class StreamFollower {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private lastId = '0-0';

  constructor(private readonly options: StreamFollowerOptions) {}

  /** Resolves once the follower knows where it starts: every event appended after that is delivered. */
  async start(): Promise<void> {
    const { redis, prefix, startAfter } = this.options;
    if (startAfter) this.lastId = startAfter;
    else {
      const [last] = (await redis.xrevrange(eventStreamKey(prefix), '+', '-', 'COUNT', 1)) as [string, string[]][];
      this.lastId = last?.[0] ?? '0-0';
    }
    this.running = true;
    this.loop = this.follow();
  }

  /** The id of the last event handed on. */
  get position(): string {
    return this.lastId;
  }

  async stop(): Promise<void> {
    this.running = false;
    // Ends a pending XREAD BLOCK at once instead of waiting out its timeout.
    this.options.redis.disconnect();
    await this.loop;
  }

  private async follow(): Promise<void> {
    const { redis, prefix, onEvents, logger, blockMs = 5_000, batchSize = 1_000 } = this.options;
    while (this.running) {
      try {
        const events = await readEvents(redis, prefix, { afterId: this.lastId, count: batchSize, blockMs });
        if (events.length === 0) continue;
        await onEvents(events);
        this.lastId = events.at(-1)!.id;
      } catch (err) {
        if (!this.running) break;
        logger.warn({ err }, 'reading or handling the event stream failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_ERROR_MS));
      }
    }
  }
}
