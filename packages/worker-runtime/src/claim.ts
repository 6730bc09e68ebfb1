import { randomUUID } from 'node:crypto';
import { startAttempt, type AttemptRow } from '@autoposter/db/repositories/attempts';
import {
  claimableStatuses,
  claimDelivery,
  type ClaimFence,
  type DeliveryRow,
} from '@autoposter/db/repositories/delivery-runs';
import { markJobDeliveryStarted } from '@autoposter/db/repositories/posting-jobs';
import type { RuntimeDeps } from './runtime.ts';

export type WaitReason = 'not_due' | 'claimed_elsewhere';

/** What a job should do about its delivery when it arrives. */
export type Arrival =
  | { kind: 'skip'; reason: string }
  | { kind: 'wait'; until: Date; reason: WaitReason }
  | { kind: 'claim'; delivery: DeliveryRow };

const isClaimable = (status: string) => (claimableStatuses as readonly string[]).includes(status);

/**
 * The job is only a wake-up call; the delivery row decides. A job of a replaced run, or for a
 * delivery that is done, canceled or gone, has nothing to do. One that came early (the delivery
 * was rescheduled) waits for the due time. A delivery another worker holds waits until that
 * claim would count as stale: then either it is finished, or its worker died and this job takes over.
 */
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A payload this worker cannot act on (a foreign or corrupted job) is dropped, not retried. */
export function isValidPayload(data: unknown): data is { delivery_id: string; run: number } {
  const { delivery_id, run } = (data ?? {}) as Record<string, unknown>;
  return typeof delivery_id === 'string' && uuid.test(delivery_id) && Number.isInteger(run);
}

export function judgeArrival(delivery: DeliveryRow | null, run: number, now: Date, staleAfterMs: number): Arrival {
  if (!delivery) return { kind: 'skip', reason: 'delivery_not_found' };
  if (delivery.run !== run) return { kind: 'skip', reason: 'run_replaced' };
  if (delivery.status === 'processing' && delivery.claimedAt) {
    const staleAt = new Date(delivery.claimedAt.getTime() + staleAfterMs);
    if (staleAt > now) return { kind: 'wait', until: staleAt, reason: 'claimed_elsewhere' };
  } else if (!isClaimable(delivery.status)) {
    return { kind: 'skip', reason: `delivery_${delivery.status}` };
  }
  if (delivery.dueAt && delivery.dueAt > now) return { kind: 'wait', until: delivery.dueAt, reason: 'not_due' };
  return { kind: 'claim', delivery };
}

export interface Claim {
  delivery: DeliveryRow;
  attempt: AttemptRow;
  fence: ClaimFence;
  /** 1 for the run's first attempt: what the retry budget counts. */
  attemptOfRun: number;
}

/**
 * Claims the delivery and opens its attempt in one transaction, announcing both (and the
 * posting job's progress) while the rows are still locked. Null when the claim lost the race.
 */
export async function claimAttempt(deps: RuntimeDeps, input: { deliveryId: string; run: number }): Promise<Claim | null> {
  const token = randomUUID();
  return deps.db.transaction(async (tx) => {
    const delivery = await claimDelivery(tx, {
      ...input,
      token,
      now: new Date(),
      staleAfterMs: deps.config.lockDurationMs,
    });
    if (!delivery) return null;
    const attempt = await startAttempt(tx, {
      deliveryId: delivery.id,
      userId: delivery.userId,
      attemptNo: delivery.attemptCount,
      workerId: deps.workerId,
    });
    await deps.events.deliveryUpdated(delivery);
    if (delivery.postingJobId) {
      const job = await markJobDeliveryStarted(tx, delivery.postingJobId, delivery.postId);
      if (job) await deps.events.jobProgress(job);
    }
    return {
      delivery,
      attempt,
      fence: { deliveryId: delivery.id, token },
      attemptOfRun: delivery.attemptCount - delivery.attemptsBeforeRun,
    };
  });
}
