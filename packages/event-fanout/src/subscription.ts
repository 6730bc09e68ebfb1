import type { Redis } from 'ioredis';
import type { StoredEvent } from '@autoposter/queue';
import type { FanoutHub } from './fanout-hub.ts';
import { checkRetention, replayEvents, type RetentionCheck } from './replay.ts';
import { compareStreamIds } from './stream-ids.ts';

export interface SubscriptionOptions {
  hub: FanoutHub;
  /** For replay reads (not the follower's blocking connection). */
  redis: Redis;
  prefix: string;
  userId: string;
  accepts?: (event: StoredEvent) => boolean;
  /** Replay what came after this id before going live. */
  lastEventId?: string;
  deliver: (event: StoredEvent) => void;
  /** The replay cannot be complete: events after `lastEventId` were trimmed. Called before any replayed event. */
  onTruncated?: (check: RetentionCheck) => void;
  /** Runs after the replay, before live events flow (say, to send a current state first). */
  beforeLive?: () => Promise<void>;
  /** Live events held while replaying beyond this many: the client cannot keep up. */
  maxHeld?: number;
  onOverflow?: () => void;
}

/**
 * A user's events from `lastEventId` on, in order, exactly once. It joins the hub first and
 * holds live events while the stream is replayed, then sends the held events newer than the
 * last replayed one: every event is in the replay (appended before the join) or held (read by
 * the follower after it), and ids decide which, so there is no gap and no duplicate at the seam.
 */
export class Subscription {
  private held: StoredEvent[] | null = [];
  private lastSent: string | null;
  private closed = false;
  private readonly leaveHub: () => void;
  /** Resolves once live (or closed); rejects if the replay failed. */
  readonly ready: Promise<void>;

  constructor(private readonly options: SubscriptionOptions) {
    this.lastSent = options.lastEventId ?? null;
    this.leaveHub = options.hub.add({ userId: options.userId, push: (event) => this.onLive(event) });
    this.ready = this.catchUp();
  }

  close(): void {
    this.closed = true;
    this.held = null;
    this.leaveHub();
  }

  private onLive(event: StoredEvent): void {
    if (this.closed || !(this.options.accepts?.(event) ?? true)) return;
    if (this.held === null) return this.send(event);
    this.held.push(event);
    if (this.held.length > (this.options.maxHeld ?? 10_000)) {
      this.close();
      this.options.onOverflow?.();
    }
  }

  private async catchUp(): Promise<void> {
    const { redis, prefix, userId, accepts, lastEventId } = this.options;
    try {
      if (lastEventId !== undefined) {
        const retention = await checkRetention(redis, prefix, lastEventId);
        if (retention.truncated && !this.closed) this.options.onTruncated?.(retention);
        for await (const page of replayEvents(redis, prefix, { afterId: lastEventId, userId, accepts })) {
          if (this.closed) return;
          for (const event of page) this.send(event);
        }
      }
      if (this.options.beforeLive && !this.closed) await this.options.beforeLive();
    } catch (err) {
      this.close();
      throw err;
    }
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) this.send(event);
  }

  private send(event: StoredEvent): void {
    if (this.closed) return;
    if (this.lastSent !== null && compareStreamIds(event.id, this.lastSent) <= 0) return;
    this.lastSent = event.id;
    this.options.deliver(event);
  }
}
