import type { Queue } from 'bullmq';
import { publishDeliveryJob, type JobPayloads } from '@autoposter/queue';

/** Adds a delivery's job exactly as the producer does (for runtime tests that bypass the engine). */
export async function enqueueDelivery(
  queue: Queue<JobPayloads['publish-delivery']>,
  delivery: { id: string; run: number; dueAt: Date | null },
  options: { maxAttempts: number; now?: Date },
) {
  const job = publishDeliveryJob(delivery, { maxAttempts: options.maxAttempts, now: options.now ?? new Date() });
  return queue.add(job.name, job.data, job.opts);
}
