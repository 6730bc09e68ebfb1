import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueableDelivery } from '@autoposter/db/repositories/delivery-scheduling';
import {
  deliveryJobId,
  publishDeliveryJob,
  publishQueueOptions,
  queueForChannel,
  queueNames,
  type JobPayloads,
  type PublishQueueName,
} from '@autoposter/queue';

export type PublishQueues = Record<PublishQueueName, Queue<JobPayloads['publish-delivery']>>;

export function createPublishQueues(connection: Redis, prefix: string): PublishQueues {
  const make = (name: PublishQueueName) =>
    new Queue<JobPayloads['publish-delivery']>(name, { ...publishQueueOptions, connection, prefix });
  return { marketplace: make(queueNames.marketplace), meta: make(queueNames.meta) };
}

export const queueOf = (queues: PublishQueues, delivery: Pick<QueueableDelivery, 'channel'>) =>
  queues[queueForChannel[delivery.channel]];

/**
 * Adds one job per delivery run, delayed until it is due. The job id comes from the delivery
 * and its run, so adding the same run twice is a no-op.
 */
export async function enqueueDeliveries(
  queues: PublishQueues,
  deliveries: Pick<QueueableDelivery, 'id' | 'run' | 'channel' | 'dueAt'>[],
  options: { maxAttempts: number; now: Date },
): Promise<void> {
  const byQueue = new Map<PublishQueueName, typeof deliveries>();
  for (const d of deliveries) {
    const name = queueForChannel[d.channel];
    byQueue.set(name, [...(byQueue.get(name) ?? []), d]);
  }
  await Promise.all(
    [...byQueue].map(([name, list]) =>
      queues[name].addBulk(list.map((d) => publishDeliveryJob(d, options))),
    ),
  );
}

/**
 * Removes the jobs of runs that were replaced or canceled. A job a worker holds cannot be
 * removed; that is fine, because the worker re-checks the delivery's run and status on claim.
 */
export async function removeRunJobs(queues: PublishQueues, deliveries: Pick<QueueableDelivery, 'id' | 'run' | 'channel'>[]) {
  await Promise.all(
    deliveries.map((d) => queueOf(queues, d).remove(deliveryJobId(d.id, d.run)).catch(() => 0)),
  );
}
