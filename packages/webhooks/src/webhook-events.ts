import type { WebhookEventType } from '@autoposter/db';
import type { StoredEvent } from '@autoposter/queue';

/** The body of a webhook call. `id` is the stream event's: the same on every retry, so receivers can drop repeats. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  created_at: string;
  data: WebhookEventData;
}

/**
 * Always our own ids and the outcome, null where they do not apply: a receiver never has to
 * look a post up by the provider's id.
 */
export interface WebhookEventData {
  post_id: string | null;
  delivery_id: string | null;
  channel: string | null;
  status: string | null;
  permalink: string | null;
  error: string | null;
  [field: string]: unknown;
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/** The webhook event a stream event makes, if any: posted and failed deliveries, finished jobs, account health. */
export function toWebhookEvent(event: StoredEvent): WebhookEvent | null {
  const created_at = new Date(Number(event.id.split('-')[0])).toISOString();
  const d = event.data;
  const none = { post_id: null, delivery_id: null, channel: null, permalink: null };
  switch (event.type) {
    case 'delivery.updated': {
      if (d.status !== 'posted' && d.status !== 'failed') return null;
      return {
        id: event.id,
        type: d.status === 'posted' ? 'delivery.posted' : 'delivery.failed',
        created_at,
        data: {
          post_id: text(d.post_id),
          delivery_id: text(d.id),
          channel: text(d.channel),
          status: d.status,
          permalink: text(d.permalink),
          error: text(d.last_error_message),
          error_type: text(d.last_error_type),
          provider_post_id: text(d.provider_post_id),
          account_id: text(d.account_id),
          target_id: text(d.target_id),
          attempt_count: d.attempt_count ?? null,
          posted_at: text(d.posted_at),
          job_id: event.job_id ?? null,
        },
      };
    }
    case 'job.progress': {
      if (d.final !== true) return null;
      return {
        id: event.id,
        type: 'job.completed',
        created_at,
        data: {
          ...none,
          status: text(d.status),
          error: null,
          job_id: text(d.job_id),
          total_posts: d.total_posts ?? null,
          completed_posts: d.completed_posts ?? null,
          failed_posts: d.failed_posts ?? null,
          completed_at: text(d.completed_at),
        },
      };
    }
    case 'account.health':
      return {
        id: event.id,
        type: 'account.health',
        created_at,
        data: {
          ...none,
          status: text(d.health_status),
          error: text(d.message),
          account_id: text(d.account_id),
          name: text(d.name),
          kind: text(d.kind),
          session_valid: d.session_valid ?? null,
        },
      };
    default:
      return null;
  }
}
