import type { Queue } from 'bullmq';
import type { Db, WebhookEventType } from '@autoposter/db';
import { webhooksSubscribedBy } from '@autoposter/db/repositories/webhooks';
import { webhookJobId, type JobPayloads, type StoredEvent } from '@autoposter/queue';
import { toWebhookEvent } from './webhook-events.ts';

export type WebhookQueue = Queue<JobPayloads['call-webhook'], void, 'call-webhook'>;

export interface WebhookRetryPolicy {
  /** Waits between attempts; attempts = delays + 1. */
  delaysMs: number[];
}

/** Finished calls are kept this long, so that a replica adding the same call later is still a no-op. */
const KEEP_FINISHED_SECONDS = 3 * 86_400;

/**
 * Turns a batch of stream events into webhook calls: one job per subscribed webhook of the
 * event's owner (never another user's), with a job id per webhook and event, so that replicas
 * reading the same stream, or a batch read again after a crash, add each call once.
 */
export async function enqueueWebhookCalls(deps: { db: Db; queue: WebhookQueue; retry: WebhookRetryPolicy }, events: StoredEvent[]): Promise<number> {
  const candidates = events.flatMap((event) => {
    const body = toWebhookEvent(event);
    return body ? [{ userId: event.user_id, body }] : [];
  });
  if (candidates.length === 0) return 0;
  const hooks = await webhooksSubscribedBy(
    deps.db,
    [...new Set(candidates.map((c) => c.userId))],
    [...new Set(candidates.map((c) => c.body.type))],
  );
  const jobs = candidates.flatMap(({ userId, body }) =>
    hooks
      .filter((hook) => hook.userId === userId && (hook.events as WebhookEventType[]).includes(body.type))
      .map((hook) => ({
        name: 'call-webhook' as const,
        data: { webhook_id: hook.id, event: body },
        opts: {
          jobId: webhookJobId(hook.id, body.id),
          attempts: deps.retry.delaysMs.length + 1,
          backoff: { type: 'custom' },
          removeOnComplete: { age: KEEP_FINISHED_SECONDS },
          removeOnFail: { age: KEEP_FINISHED_SECONDS },
        },
      })),
  );
  if (jobs.length > 0) await deps.queue.addBulk(jobs);
  return jobs.length;
}
