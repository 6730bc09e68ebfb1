import type { QueueOptions, WorkerOptions } from 'bullmq';

/**
 * Queue names are part of the data in Redis: renaming one strands its jobs.
 * `marketplace` and `meta` feed the two worker services; `dispatch` runs the periodic
 * passes (one at a time, whatever the number of replicas); `webhooks` carries the notifier's
 * webhook calls; `session-check` the gateway's real session checks of browser accounts.
 */
export const queueNames = {
  marketplace: 'marketplace',
  meta: 'meta',
  dispatch: 'dispatch',
  webhooks: 'webhooks',
  /** Real session checks of browser accounts, run by the marketplace worker (which has the browser). */
  sessionCheck: 'session-check',
} as const;

export type PublishQueueName = typeof queueNames.marketplace | typeof queueNames.meta;
export type QueueName = (typeof queueNames)[keyof typeof queueNames];

export type Channel = 'marketplace' | 'facebook_group' | 'facebook_page' | 'instagram';

export const queueForChannel: Record<Channel, PublishQueueName> = {
  marketplace: 'marketplace',
  facebook_group: 'marketplace',
  facebook_page: 'meta',
  instagram: 'meta',
};

/** Job names paired with their payloads. Payloads carry ids only: never content or secrets. */
export interface JobPayloads {
  'publish-delivery': { delivery_id: string; run: number };
  'dispatch-pass': Record<string, never>;
  'retention-pass': Record<string, never>;
  /**
   * The body travels with the job (it is not secret, and the stream entry it came from may be
   * trimmed before the last retry): every attempt sends the same body.
   */
  'call-webhook': { webhook_id: string; event: { id: string; type: string; created_at: string; data: Record<string, unknown> } };
  /** One account's session, checked for real; `flow` also opens that flow's form. */
  'check-session': { account_id: string; user_id: string; flow: 'marketplace' | null };
  /** Every browser account's session, one at a time (the periodic sweep). */
  'session-sweep': Record<string, never>;
}

/** What a `check-session` job returns (its BullMQ return value), read by the gateway. */
export interface SessionCheckAnswer {
  valid: boolean;
  /** The check could not tell (network, provider down): not held against the session. */
  temporary: boolean;
  message: string;
  error_type: string | null;
  flow_check?: { ok: boolean; missing: string[] };
}
export type JobName = keyof JobPayloads;

/**
 * One BullMQ job per delivery run: adding the same work twice is a no-op. A manual retry
 * or a reschedule bumps `run`, which makes a new id. Ids must not contain ':'.
 */
export const deliveryJobId = (deliveryId: string, run: number) => `delivery.${deliveryId}.run${run}`;

/**
 * How many finished publish jobs BullMQ keeps. Set on the workers, not on each job: every job
 * hash would otherwise carry these objects in its `opts` (~100 B per job).
 */
export const publishJobRetention = {
  removeOnComplete: { count: 5_000, age: 24 * 3600 },
  removeOnFail: { count: 20_000, age: 14 * 24 * 3600 },
} satisfies Pick<WorkerOptions, 'removeOnComplete' | 'removeOnFail'>;

/**
 * Options of every Queue instance over a publish queue (each writes them to the queue's meta).
 * BullMQ's own event stream is read by nobody here (clients follow `eventStreamKey`), so it is
 * kept short instead of its default 10,000 entries (~100 B for each job added).
 */
export const publishQueueOptions = { streams: { events: { maxLen: 1_000 } } } satisfies Partial<QueueOptions>;

/** One call per webhook and event: replicas that see the same event add the same job, once. */
export const webhookJobId = (webhookId: string, eventId: string) => `webhook.${webhookId}.${eventId}`;

export const schedulerIds = {
  dispatch: 'dispatch-pass',
  retention: 'retention-pass',
  sessionSweep: 'session-sweep',
} as const;

/**
 * The one way a delivery run becomes a BullMQ job: ids only, a job id per run, delayed until
 * due, the configured attempts with the workers' custom backoff.
 */
export function publishDeliveryJob(
  delivery: { id: string; run: number; dueAt: Date | null },
  options: { maxAttempts: number; now: Date },
) {
  return {
    name: 'publish-delivery' as const,
    data: { delivery_id: delivery.id, run: delivery.run } satisfies JobPayloads['publish-delivery'],
    opts: {
      jobId: deliveryJobId(delivery.id, delivery.run),
      // BullMQ counts the delay from the job's timestamp; pinning it to `now` makes the job due
      // exactly at due_at however long the add itself takes (a dispatch pass adds thousands).
      timestamp: options.now.getTime(),
      delay: Math.max(0, (delivery.dueAt?.getTime() ?? 0) - options.now.getTime()),
      attempts: options.maxAttempts,
      backoff: { type: 'custom' },
    },
  };
}
