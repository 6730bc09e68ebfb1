import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { effectiveLimits, type Account } from '@autoposter/db/repositories/accounts';
import { findDeliveryForJob, type DeliveryRow } from '@autoposter/db/repositories/delivery-runs';
import type { Logger } from '@autoposter/logger';
import type { JobPayloads } from '@autoposter/queue';
import { DeliveryLog } from './delivery-log.ts';
import { cancelUnheld, claimAttempt, isValidPayload, judgeArrival, type Arrival, type Claim } from './claim.ts';
import type { AttemptEndLabel } from './metrics.ts';
import type { PacingGate, PacingSlot, PacingWait } from './pacing.ts';
import { RetryLaterError } from './retry-policy.ts';
import { runAttempt, type AttemptEnd } from './run-attempt.ts';
import type { RuntimeDeps } from './runtime.ts';

export type PublishJob = Job<JobPayloads['publish-delivery'], JobResult>;

/** What a finished job reports (its BullMQ return value). */
export type JobResult = { outcome: 'skipped'; reason: string } | { outcome: AttemptEndLabel };

/** Spreads wake-ups of jobs waiting for the same moment. */
const MAX_JITTER_MS = 250;

/**
 * The BullMQ processor for 'publish-delivery' jobs. Waiting (not due yet, account pacing,
 * another worker's claim) moves the job back to delayed without using an attempt; a claimed
 * attempt ends as completed (posted, adopted, canceled, nothing to do), retried with the
 * recorded delay, failed for good, or handed back on shutdown.
 */
export function createDeliveryProcessor(deps: RuntimeDeps, baseLogger: Logger) {
  // Three parameters: BullMQ only passes a cancellation signal to processors that declare it.
  return async (job: PublishJob, token: string | undefined, signal?: AbortSignal): Promise<JobResult> => {
    if (!isValidPayload(job.data)) {
      baseLogger.warn({ job_id: job.id }, 'job payload is not {delivery_id, run}: dropped');
      return { outcome: 'skipped', reason: 'invalid_payload' };
    }
    const { delivery_id: deliveryId, run } = job.data;
    const logger = baseLogger.child({ job_id: job.id, delivery_id: deliveryId });
    const defer = (until: Date, reason: string) => deferJob(job, token, until, reason, logger);

    const found = await deps.statements.findDelivery.run(deliveryId);
    const arrival = judgeArrival(found?.delivery ?? null, run, new Date());
    if (arrival.kind !== 'claim') return actOnArrival(deps, arrival, { deliveryId, run }, logger, defer);

    const account = found?.account ?? null;
    const gate = await enterPacing(deps, account);
    if (!gate.allowed) {
      await logPacingWait(deps, arrival.delivery, gate, logger);
      return defer(gate.until, gate.reason);
    }
    const claim = await claimAttempt(deps, { deliveryId, run }).catch(async (err: unknown) => {
      await gate.slot?.settle('not_published');
      throw err;
    });
    if (!claim) {
      await gate.slot?.settle('not_published');
      return afterLostRace(deps, { deliveryId, run }, logger, defer);
    }
    const attemptLogger = logger.child({ attempt_no: claim.attempt.attemptNo });
    const end = await runClaimed(deps, claim, { account, slot: gate.slot, jobSignal: signal, logger: attemptLogger });
    return settleJob(job, token, end, attemptLogger);
  };
}

type OpenGate = { allowed: true; slot: PacingSlot | null };

/** A deleted account has no limits to respect: its attempt fails right after the claim. */
async function enterPacing(deps: RuntimeDeps, account: Account | null): Promise<OpenGate | Extract<PacingGate, { allowed: false }>> {
  if (!account) return { allowed: true, slot: null };
  return deps.pacing.enter(
    {
      id: account.id,
      kind: account.kind,
      sessionInvalid: account.sessionValid === false,
      cooldownUntil: account.cooldownUntil,
      limits: effectiveLimits(account.limits, deps.config.pacing, account.kind),
    },
    new Date(),
  );
}

async function runClaimed(
  deps: RuntimeDeps,
  claim: Claim,
  context: Parameters<typeof runAttempt>[2],
): Promise<AttemptEnd> {
  const started = performance.now();
  context.logger.debug({ attempt_of_run: claim.attemptOfRun }, 'attempt started');
  let end: AttemptEnd | undefined;
  try {
    end = await runAttempt(deps, claim, context);
    return end;
  } finally {
    // An attempt that could not even record its end may have published: pace as if it did.
    await context.slot?.settle(end?.publication ?? 'maybe_published').catch((err: unknown) => {
      context.logger.warn({ err }, 'could not update the account pacing state');
    });
    if (end) {
      const durationSeconds = (performance.now() - started) / 1000;
      deps.metrics?.attemptFinished({ channel: claim.delivery.channel, outcome: end.kind, durationSeconds });
      // The attempt's outcome line (mirrored from its delivery log) says how it ended, at info or above;
      // a lost claim recorded nothing, so it is told here.
      if (end.kind === 'claim_lost') context.logger.warn({ duration_s: durationSeconds }, 'attempt ended unrecorded: another worker took over its claim');
      else context.logger.debug({ outcome: end.kind, duration_s: durationSeconds }, 'attempt finished');
    }
  }
}

/** Turns the attempt's end into what BullMQ should do with the job. */
async function settleJob(job: PublishJob, token: string | undefined, end: AttemptEnd, logger: Logger): Promise<JobResult> {
  switch (end.kind) {
    case 'failed':
      throw new UnrecoverableError(end.error.message);
    case 'retrying':
      throw new RetryLaterError(end.error.message, end.delayMs);
    case 'released':
    case 'deferred':
      // Due when the delivery is: another worker picks it up without waiting for this worker's BullMQ lock.
      return deferJob(job, token, end.dueAt, end.kind, logger);
    default:
      return { outcome: end.kind };
  }
}

type JobInput = { deliveryId: string; run: number };
type Defer = (until: Date, reason: string) => Promise<never>;

/** Everything but a claim: nothing to do, not yet, or a cancel requested while someone held it. */
async function actOnArrival(
  deps: RuntimeDeps,
  arrival: Exclude<Arrival, { kind: 'claim' }>,
  input: JobInput,
  logger: Logger,
  defer: Defer,
): Promise<JobResult> {
  if (arrival.kind === 'wait') return defer(arrival.until, arrival.reason);
  const reason = arrival.kind === 'skip' ? arrival.reason : 'cancel_requested';
  if (arrival.kind === 'cancel' && (await cancelUnheld(deps, input))) logger.info('canceled: its cancel was requested while it was processing');
  else logger.info({ reason }, 'nothing to publish for this job');
  return { outcome: 'skipped', reason };
}

/** Someone else claimed it first, or it changed (canceled, rescheduled) between the read and the claim. */
async function afterLostRace(deps: RuntimeDeps, input: JobInput, logger: Logger, defer: Defer): Promise<JobResult> {
  const now = new Date();
  const arrival = judgeArrival(await findDeliveryForJob(deps.db, input.deliveryId), input.run, now);
  if (arrival.kind !== 'claim') return actOnArrival(deps, arrival, input, logger, defer);
  // 'claim' again means the clocks of this worker and the database disagree: look again shortly.
  return defer(new Date(now.getTime() + deps.config.lockDurationMs / 4), 'claim_race');
}

/** Puts the job back to delayed until `until`: no attempt is used, the worker slot is freed. */
async function deferJob(job: PublishJob, token: string | undefined, until: Date, reason: string, logger: Logger): Promise<never> {
  const at = until.getTime() + Math.floor(Math.random() * MAX_JITTER_MS);
  logger.debug({ reason, until: new Date(at).toISOString() }, 'job waits');
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}

/** Pacing waits worth telling the user about; the account lock's short waits are routine. */
const pacingWaitMessages: Partial<Record<PacingWait, string>> = {
  session_invalid: "the account's session is invalid: it goes again once the session is updated (PUT /api/accounts/:id/session)",
  cooldown: 'the provider asked this account to pause',
  posting_hours: "outside the account's posting hours",
  min_gap: "the account's minimum gap between posts",
  daily_cap: 'the account reached its daily cap',
};

async function logPacingWait(deps: RuntimeDeps, delivery: DeliveryRow, gate: Extract<PacingGate, { allowed: false }>, logger: Logger) {
  const message = pacingWaitMessages[gate.reason];
  if (!message) return;
  const log = new DeliveryLog(deps.db, delivery.id, null, logger);
  log.write('INFO', `Waiting until ${gate.until.toISOString()}: ${message}`, { reason: gate.reason });
  await log.flush();
}
