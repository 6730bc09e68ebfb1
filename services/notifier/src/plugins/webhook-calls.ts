import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Database } from '@autoposter/db';
import { StreamFollower } from '@autoposter/event-fanout';
import { eventStreamKey, queueNames } from '@autoposter/queue';
import { createWebhookSender, createWebhookWorker, enqueueWebhookCalls, type WebhookQueue } from '@autoposter/webhooks';

export interface WebhookCallsOptions {
  database: Database;
  /** A worker connection (`maxRetriesPerRequest: null`), for BullMQ's worker and a follower of its own. */
  workerRedis: Redis;
}

/**
 * Webhooks: a follower of its own reads the stream from where the last one stopped (a cursor in
 * Redis, so events appended while no notifier ran are not skipped), turns events into call jobs
 * on the `webhooks` queue, and this process's worker makes the calls.
 */
export const webhookCalls = fp(
  async (app: FastifyInstance, options: WebhookCallsOptions) => {
    const config = app.notifierConfig;
    const prefix = config.redis.prefix;
    const db = options.database.db;
    const retry = { delaysMs: config.webhookCalls.retryDelaysMs };
    const cursorKey = `${eventStreamKey(prefix)}:webhooks-cursor`;
    const queue: WebhookQueue = new Queue(queueNames.webhooks, { connection: app.redis, prefix });
    const sender = createWebhookSender({ allowPrivate: config.webhookAddresses.allowPrivate, timeoutMs: config.webhookCalls.timeoutMs });
    const worker = createWebhookWorker({ db, connection: options.workerRedis, prefix, keyring: config.secrets, sender, retry, logger: app.log });
    const followerRedis = options.workerRedis.duplicate();
    const follower = new StreamFollower({
      redis: followerRedis,
      prefix,
      logger: app.log,
      startAfter: await app.redis.get(cursorKey),
      onEvents: async (events) => {
        await enqueueWebhookCalls({ db, queue, retry }, events);
        await app.redis.set(cursorKey, events.at(-1)!.id);
      },
    });
    await follower.start();
    app.addHook('onClose', async () => {
      await follower.stop();
      await worker.close();
      await queue.close();
      await sender.close();
    });
  },
  { name: 'webhook-calls', dependencies: ['services'] },
);
