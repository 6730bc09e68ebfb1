import type { Redis } from 'ioredis';
import type { Db, DbOrTx } from '@autoposter/db';
import type { AccountRow } from '@autoposter/db/repositories/account-health';
import type { DeliveryRow } from '@autoposter/db/repositories/delivery-runs';
import { recordDeliveryOutcome, type DeliveryOutcome, type PostingJobRow } from '@autoposter/db/repositories/posting-jobs';
import { toJobView } from '@autoposter/engine';
import type { Logger } from '@autoposter/logger';
import { EVENT_STREAM_MAXLEN, accountHealthEvent, eventStreamKey, sideConnection, streamFields, type PlatformEvent } from '@autoposter/queue';
import { Batcher } from './batcher.ts';
import { LuaScript } from './lua-script.ts';

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** An event to append once the transaction that produced it committed. */
export interface PendingEvent {
  event: PlatformEvent;
  /**
   * job.progress only: grows with every post the job finishes. An event older than one the
   * stream already has for its job (two workers appending after their commits, out of order)
   * is dropped, so the `final` event stays the job's last.
   */
  jobVersion?: number;
}

export type Announce = (event: PendingEvent) => void;

/** The delivery's public fields, as GET /api/posts/:id shows them. */
export function deliveryEventData(d: DeliveryRow) {
  return {
    id: d.id,
    post_id: d.postId,
    channel: d.channel,
    account_id: d.accountId,
    target_id: d.targetId,
    status: d.status,
    attempt_count: d.attemptCount,
    next_attempt_at: iso(d.nextAttemptAt),
    last_error_type: d.lastErrorType,
    last_error_message: d.lastErrorMessage,
    provider_post_id: d.providerPostId,
    permalink: d.permalink,
    posted_at: iso(d.postedAt),
  };
}

export const deliveryUpdated = (delivery: DeliveryRow): PendingEvent => ({
  event: { type: 'delivery.updated', user_id: delivery.userId, job_id: delivery.postingJobId, data: deliveryEventData(delivery) },
});

/**
 * `final` marks the job's last event. A job completes once, in the transaction that counted
 * its last outcome, and no later write announces it again.
 */
export const jobProgress = (job: PostingJobRow): PendingEvent => ({
  event: {
    type: 'job.progress',
    user_id: job.userId,
    job_id: job.id,
    data: { ...toJobView(job), ...(job.completedAt !== null ? { final: true } : {}) },
  },
  // Finishing a post raises completed or failed, or (all its deliveries canceled) lowers the total.
  jobVersion: job.completedPosts + job.failedPosts - job.totalPosts,
});

/** delivery.updated, then the progress of its posting job when the same write changed the job. */
export const deliveryAndJobEvents = (delivery: DeliveryRow, job: PostingJobRow | null): PendingEvent[] =>
  job ? [deliveryUpdated(delivery), jobProgress(job)] : [deliveryUpdated(delivery)];

/** A publish attempt found the account's session unusable: its health is now `error`. */
export const sessionInvalid = (account: AccountRow): PendingEvent => ({
  event: accountHealthEvent(account, 'error', account.sessionMessage, { session_valid: false }),
});

/** The provider blocked the account for a while (a cooldown): its health is `warning` until then. */
export const accountCoolingDown = (account: AccountRow, message: string): PendingEvent => ({
  event: accountHealthEvent(account, 'warning', message, { cooldown_until: account.cooldownUntil?.toISOString() ?? null }),
});

/** delivery.updated, and for a final outcome the posting job's count and progress. */
export async function announceDelivery(tx: DbOrTx, announce: Announce, delivery: DeliveryRow, outcome: DeliveryOutcome | null) {
  announce(deliveryUpdated(delivery));
  if (!outcome || !delivery.postingJobId) return;
  const counted = await recordDeliveryOutcome(tx, { jobId: delivery.postingJobId, postId: delivery.postId, outcome });
  if (counted) announce(jobProgress(counted));
}

/**
 * Appends a batch in order, in one round trip. Per event: the index of its job-version key in
 * KEYS (0: none), its version, then its 8 stream fields. An event older than the state its job's
 * stream already has is skipped; the version key lives as long as a job may.
 */
const appendBatchScript = new LuaScript(`
local maxlen, ttl = ARGV[1], ARGV[2]
for i = 3, #ARGV, 10 do
  local versionKey, version = tonumber(ARGV[i]), ARGV[i + 1]
  local current = true
  if versionKey > 0 then
    local last = redis.call('GET', KEYS[versionKey])
    current = not (last and tonumber(last) > tonumber(version))
    if current then redis.call('SET', KEYS[versionKey], version, 'PX', ttl) end
  end
  if current then redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(ARGV, i + 2, i + 9)) end
end`);
const JOB_VERSION_TTL_MS = 7 * 86_400_000;
/** Bounds one script call's arguments. */
const MAX_EVENTS_PER_APPEND = 500;

/** An event append waits at most this long; the worker connection would wait for Redis forever. */
const EVENT_APPEND_TIMEOUT_MS = 2_000;

/**
 * Events go through a connection of their own, with finite retries and a command timeout: an
 * append during a Redis outage fails (and is logged) instead of stalling the attempt.
 */
export function connectionForEvents(workerConnection: Redis): Redis {
  return sideConnection(workerConnection, { maxRetriesPerRequest: 1, commandTimeout: EVENT_APPEND_TIMEOUT_MS });
}

/**
 * Appends the platform events a worker produces, after the transaction that produced them
 * committed: a client never sees an event before its data, and a Redis outage can neither
 * roll back a recorded publication nor hold row locks. Best effort: the connection given has
 * finite retries and a command timeout; a failed append is logged and the batch's remaining
 * events dropped (the rows stay the truth: GET endpoints show them).
 */
export class EventPublisher {
  /** One script call at a time; the events sent meanwhile go together in the next, in order. */
  private readonly appends = new Batcher<PendingEvent, void>(
    async (events) => {
      await this.append(events);
      return events.map(() => undefined);
    },
    { maxBatch: MAX_EVENTS_PER_APPEND, gatherMs: 0 },
  );
  private lastSent: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends the events without making the caller wait for Redis. They reach the stream in the
   * order they were sent, even when a script must be loaded again (EVALSHA failing with
   * NOSCRIPT, then EVAL, one round trip later), as only one call is in flight at a time.
   */
  send(events: PendingEvent[]): void {
    for (const event of events) this.lastSent = this.appends.run(event);
  }

  /** Resolves once every event sent so far reached Redis (or failed and was logged): batches run in order. */
  async drain(): Promise<void> {
    await this.lastSent;
  }

  /** In order, in one script (one round trip). Never throws: a failure is logged. */
  private async append(events: PendingEvent[]): Promise<void> {
    try {
      const stream = eventStreamKey(this.prefix);
      const keys = [stream];
      const args: (string | number)[] = [EVENT_STREAM_MAXLEN, JOB_VERSION_TTL_MS];
      for (const { event, jobVersion } of events) {
        const versioned = jobVersion !== undefined && event.job_id;
        if (versioned) keys.push(`${stream}:job-version:${event.job_id}`);
        args.push(versioned ? keys.length : 0, jobVersion ?? 0, ...streamFields(event));
      }
      await appendBatchScript.run(this.redis, keys, args);
    } catch (err) {
      // A script stops at its first failing command: events before it may be in the stream, the rest are dropped.
      this.logger.warn({ err, event_type: events[0]!.event.type, events: events.length }, 'could not append events to the stream');
    }
  }
}

/** Runs `work` in a transaction; the events it announced are appended once it committed (none if it rolled back). */
export async function commitThenAnnounce<T>(
  deps: { db: Db; events: EventPublisher },
  work: (tx: DbOrTx, announce: Announce) => Promise<T>,
): Promise<T> {
  const pending: PendingEvent[] = [];
  const result = await deps.db.transaction((tx) => work(tx, (event) => pending.push(event)));
  deps.events.send(pending);
  return result;
}
