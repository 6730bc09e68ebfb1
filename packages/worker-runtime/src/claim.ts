import { randomUUID } from 'node:crypto';
import { UUID_REGEX } from '@autoposter/db';
import type { ClaimedAttempt } from '@autoposter/db/repositories/attempt-claims';
import { abandonRunningAttempts, type AttemptRow } from '@autoposter/db/repositories/attempts';
import { appendDeliveryLogs } from '@autoposter/db/repositories/delivery-logs';
import {
  cancelUnheldDelivery,
  claimableStatuses,
  type ClaimFence,
  type DeliveryRow,
} from '@autoposter/db/repositories/delivery-runs';
import { announceDelivery, commitThenAnnounce, deliveryAndJobEvents } from './events.ts';
import type { RuntimeDeps } from './runtime.ts';

export type WaitReason = 'not_due' | 'claimed_elsewhere';

/** What a job should do about its delivery when it arrives. */
export type Arrival =
  | { kind: 'skip'; reason: string }
  | { kind: 'wait'; until: Date; reason: WaitReason }
  /** Its cancel was requested while a worker held it, and nobody holds it now. */
  | { kind: 'cancel'; delivery: DeliveryRow }
  | { kind: 'claim'; delivery: DeliveryRow };

const isClaimable = (status: string) => (claimableStatuses as readonly string[]).includes(status);

/** A payload this worker cannot act on (a foreign or corrupted job) is dropped, not retried. */
export function isValidPayload(data: unknown): data is { delivery_id: string; run: number } {
  const { delivery_id, run } = (data ?? {}) as Record<string, unknown>;
  return typeof delivery_id === 'string' && UUID_REGEX.test(delivery_id) && Number.isInteger(run);
}

/**
 * The job is only a wake-up call; the delivery row decides. A job of a replaced run, or for a
 * delivery that is done, canceled or gone, has nothing to do. A delivery another worker holds
 * waits for the lease its holder wrote: by then either it is finished, or its worker died and
 * this job takes over (or, when its cancel was requested, cancels it). One that came early
 * (the delivery was rescheduled) waits for the due time.
 */
export function judgeArrival(delivery: DeliveryRow | null, run: number, now: Date): Arrival {
  if (!delivery) return { kind: 'skip', reason: 'delivery_not_found' };
  if (delivery.run !== run) return { kind: 'skip', reason: 'run_replaced' };
  if (delivery.status === 'processing') {
    const leaseEnds = delivery.claimExpiresAt;
    if (leaseEnds && leaseEnds > now) return { kind: 'wait', until: leaseEnds, reason: 'claimed_elsewhere' };
  } else if (!isClaimable(delivery.status)) {
    return { kind: 'skip', reason: `delivery_${delivery.status}` };
  }
  if (delivery.cancelRequestedAt) return { kind: 'cancel', delivery };
  if (delivery.dueAt && delivery.dueAt > now) return { kind: 'wait', until: delivery.dueAt, reason: 'not_due' };
  return { kind: 'claim', delivery };
}

export interface Claim extends Pick<ClaimedAttempt, 'post' | 'media' | 'history'> {
  delivery: DeliveryRow;
  attempt: AttemptRow;
  fence: ClaimFence;
  /** 1 for the run's first attempt: what the retry budget counts. */
  attemptOfRun: number;
}

/**
 * Claims the delivery under a lease of one lock duration and opens its attempt in one
 * statement (shared with the claims of the worker's other jobs arriving meanwhile), which also
 * reads what the publish request needs; announces both (and the posting job's progress) once
 * committed. Null when the claim lost the race.
 */
export async function claimAttempt(deps: RuntimeDeps, input: { deliveryId: string; run: number }): Promise<Claim | null> {
  const token = randomUUID();
  const claimed = await deps.statements.claim.run({ ...input, token });
  if (!claimed) return null;
  const { delivery, attempt, postingJob, post, media, history } = claimed;
  deps.events.send(deliveryAndJobEvents(delivery, postingJob));
  return {
    delivery,
    attempt,
    fence: { deliveryId: delivery.id, token },
    attemptOfRun: delivery.attemptCount - delivery.attemptsBeforeRun,
    post,
    media,
    history,
  };
}

/**
 * Ends, as `canceled`, a delivery whose cancel was requested while a worker held it and that
 * nobody holds any more: that worker's attempt is abandoned, nothing is published. False when
 * it changed meanwhile.
 */
export async function cancelUnheld(deps: RuntimeDeps, input: { deliveryId: string; run: number }): Promise<boolean> {
  return commitThenAnnounce(deps, async (tx, announce) => {
    const delivery = await cancelUnheldDelivery(tx, input);
    if (!delivery) return false;
    await abandonRunningAttempts(tx, { deliveryId: delivery.id, userId: delivery.userId });
    await appendDeliveryLogs(tx, [
      { deliveryId: delivery.id, attemptNo: null, level: 'INFO', message: 'Canceled: its schedule was canceled while it was being published', fields: {} },
    ]);
    await announceDelivery(tx, announce, delivery, 'canceled');
    return true;
  });
}
