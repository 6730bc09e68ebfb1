import type { Redis } from 'ioredis';

/** Events clients see live (the notifier fans them out and replays them from a last id). */
export type EventType = 'job.progress' | 'delivery.updated' | 'account.health';

export interface PlatformEvent<T = Record<string, unknown>> {
  type: EventType;
  user_id: string;
  job_id?: string | null;
  data: T;
}

export interface StoredEvent<T = Record<string, unknown>> extends PlatformEvent<T> {
  /** Redis stream id: ordered, usable as Last-Event-ID. */
  id: string;
}

/** The account an `account.health` event is about, as any producer has it at hand. */
export interface HealthEventAccount {
  id: string;
  userId: string;
  name: string;
  kind: string;
  sessionValid: boolean | null;
}

/**
 * The one shape of `account.health`, whoever sends it (gateway, workers, sweeps): the account,
 * its health now and why; `extra` adds or overrides fields (a cooldown's end, say).
 */
export const accountHealthEvent = (
  account: HealthEventAccount,
  healthStatus: 'healthy' | 'warning' | 'error',
  message: string | null,
  extra: Record<string, unknown> = {},
): PlatformEvent => ({
  type: 'account.health',
  user_id: account.userId,
  data: { account_id: account.id, name: account.name, kind: account.kind, session_valid: account.sessionValid, health_status: healthStatus, message, ...extra },
});

/** Roughly how many events the stream keeps for replay. */
export const EVENT_STREAM_MAXLEN = 100_000;

export const eventStreamKey = (prefix: string) => `${prefix}:events`;

/** A stream entry's fields, as `readEvents` decodes them (also for scripts that XADD events themselves). */
export const streamFields = (event: PlatformEvent): string[] => [
  'type', event.type, 'user_id', event.user_id, 'job_id', event.job_id ?? '', 'data', JSON.stringify(event.data),
];

/**
 * Appends events in order in one round trip (a pipeline, not a transaction). Resolves with
 * the error of each event that could not be appended, null for the others.
 */
export async function appendEvents(redis: Redis, prefix: string, events: PlatformEvent[]): Promise<(Error | null)[]> {
  if (events.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const event of events) pipeline.xadd(eventStreamKey(prefix), 'MAXLEN', '~', EVENT_STREAM_MAXLEN, '*', ...streamFields(event));
  const results = (await pipeline.exec()) ?? [];
  return events.map((_, i) => results[i]?.[0] ?? null);
}

/**
 * Events after `afterId` ('0' for all kept, '$' for only new ones), oldest first.
 * With `blockMs`, waits up to that long for the first new event.
 */
export async function readEvents(
  redis: Redis,
  prefix: string,
  options: { afterId: string; count?: number; blockMs?: number },
): Promise<StoredEvent[]> {
  const count = options.count ?? 500;
  const key = eventStreamKey(prefix);
  const reply = (options.blockMs !== undefined
    ? await redis.xread('COUNT', count, 'BLOCK', options.blockMs, 'STREAMS', key, options.afterId)
    : await redis.xread('COUNT', count, 'STREAMS', key, options.afterId)) as [string, [string, string[]][]][] | null;
  const entries = reply?.[0]?.[1] ?? [];
  return entries.map(([id, fields]) => decode(id, fields));
}

function decode(id: string, fields: string[]): StoredEvent {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
  return {
    id,
    type: map.type as EventType,
    user_id: map.user_id ?? '',
    job_id: map.job_id || null,
    data: JSON.parse(map.data ?? '{}') as Record<string, unknown>,
  };
}
