import { lockDeliveriesOfAccount } from '@autoposter/db/repositories/delivery-scheduling';
import { deliveryJobId } from '@autoposter/queue';
import type { EngineContext } from './context.ts';
import { queueOf } from './publish-queues.ts';

/**
 * A person updated the account's session: its queued deliveries, which wait while the session
 * is known invalid, go again now instead of at their next periodic look.
 */
export async function wakeAccountDeliveries(ctx: EngineContext, userId: string, accountId: string): Promise<number> {
  const waiting = await ctx.db.transaction((tx) => lockDeliveriesOfAccount(tx, userId, accountId, ['queued']));
  let woken = 0;
  for (const delivery of waiting) {
    if (delivery.dueAt && delivery.dueAt > ctx.now()) continue;
    const job = await queueOf(ctx.queues, delivery).getJob(deliveryJobId(delivery.id, delivery.run));
    if (!job || !(await job.isDelayed())) continue;
    // Promoting a job that just became active or was removed meanwhile changes nothing.
    if (await job.promote().then(() => true, () => false)) woken += 1;
  }
  return woken;
}
