import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { decryptSecret, type Keyring } from '@autoposter/crypto';
import type { Db, WebhookEventType } from '@autoposter/db';
import { findWebhookForCall, recordWebhookCall } from '@autoposter/db/repositories/webhooks';
import { queueNames, type JobPayloads } from '@autoposter/queue';
import type { WebhookRetryPolicy } from './webhook-producer.ts';
import type { WebhookSender } from './webhook-sender.ts';

export interface WebhookWorkerDeps {
  db: Db;
  /** A worker connection (`maxRetriesPerRequest: null`); not closed by the worker. */
  connection: Redis;
  prefix: string;
  keyring: Keyring;
  sender: WebhookSender;
  retry: WebhookRetryPolicy;
  concurrency?: number;
  logger: { warn(fields: object, message: string): void };
}

/** The call failed (no answer, or not 2xx): BullMQ retries it after the policy's wait. */
class WebhookCallFailed extends Error {}

/**
 * Makes webhook calls: the webhook's current URL and secret (a deleted webhook's calls are
 * dropped), the same body on every attempt, each attempt recorded with its status code and
 * duration, retried on failure with the policy's waits (24 h by default).
 */
export function createWebhookWorker(deps: WebhookWorkerDeps): Worker<JobPayloads['call-webhook']> {
  const { delaysMs } = deps.retry;
  const worker = new Worker<JobPayloads['call-webhook']>(
    queueNames.webhooks,
    async (job: Job<JobPayloads['call-webhook']>) => {
      const { webhook_id: webhookId, event } = job.data;
      const webhook = await findWebhookForCall(deps.db, webhookId);
      if (!webhook) return;
      const body = JSON.stringify(event);
      const result = await deps.sender.send({ url: webhook.url, secret: decryptSecret(deps.keyring, webhook.secretEncrypted), body });
      await recordWebhookCall(deps.db, {
        webhookId,
        eventId: event.id,
        eventType: event.type as WebhookEventType,
        attempt: job.attemptsMade + 1,
        statusCode: result.statusCode,
        durationMs: result.durationMs,
        error: result.error,
      });
      if (result.error) throw new WebhookCallFailed(result.error);
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? 16,
      settings: { backoffStrategy: (attemptsMade: number) => delaysMs[Math.min(attemptsMade, delaysMs.length) - 1] ?? 0 },
    },
  );
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) deps.logger.warn({ webhook_id: job.data.webhook_id, event_id: job.data.event.id, err }, 'webhook call gave up');
  });
  worker.on('error', (err) => deps.logger.warn({ err }, 'webhook worker error'));
  return worker;
}
