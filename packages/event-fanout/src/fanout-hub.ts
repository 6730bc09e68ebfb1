import type { StoredEvent } from '@autoposter/queue';

/** Someone following one user's events: a socket, an SSE stream, a test. */
export interface Subscriber {
  readonly userId: string;
  push(event: StoredEvent): void;
}

/**
 * Routes each event read from the stream to the subscribers of its `user_id`, in memory.
 * An event never reaches a subscriber of another user: there is no other path.
 */
export class FanoutHub {
  private readonly byUser = new Map<string, Set<Subscriber>>();

  /** `onError`: a subscriber that threw (the others still get the event). */
  constructor(private readonly onError: (err: unknown) => void = () => undefined) {}

  /** Returns the function that removes it. */
  add(subscriber: Subscriber): () => void {
    let set = this.byUser.get(subscriber.userId);
    if (!set) this.byUser.set(subscriber.userId, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.byUser.get(subscriber.userId) === set) this.byUser.delete(subscriber.userId);
    };
  }

  publish(events: readonly StoredEvent[]): void {
    for (const event of events) {
      const subscribers = this.byUser.get(event.user_id);
      if (!subscribers) continue;
      // A subscriber may remove itself (a closed client) while we iterate: iterate a copy.
      for (const subscriber of [...subscribers]) {
        try {
          subscriber.push(event);
        } catch (err) {
          this.onError(err);
        }
      }
    }
  }

  get size(): number {
    let total = 0;
    for (const set of this.byUser.values()) total += set.size;
    return total;
  }
}
