import type { Account } from '@autoposter/db/repositories/accounts';
import { findAttemptHistory } from '@autoposter/db/repositories/attempts';
import { renewClaim } from '@autoposter/db/repositories/delivery-runs';
import type { Logger } from '@autoposter/logger';
import { classifyError, PublishError, type Channel, type PublishRequest, type PublishResult } from '@autoposter/publisher';
import { ClaimLostError, untilAborted } from './abort.ts';
import { AttemptRecorder } from './attempt-recorder.ts';
import type { Claim } from './claim.ts';
import type { PacingSlot, PublicationOutcome } from './pacing.ts';
import { loadPublishPost, toPublishAccount } from './publish-content.ts';
import { decideAfterFailure, type FailureDecision } from './retry-policy.ts';
import type { RuntimeDeps } from './runtime.ts';

/** How a claimed attempt ended, and what that means for the account's pacing. */
export type AttemptEnd = (
  | { kind: 'posted' | 'adopted' | 'released' | 'claim_lost' }
  | { kind: 'failed'; error: PublishError }
  | { kind: 'retrying'; error: PublishError; delayMs: number }
) & { publication: PublicationOutcome };

type PublisherOutcome =
  | { ok: true; result: PublishResult; adopted: boolean }
  | { ok: false; error: unknown; /** the failure happened while the provider may have been writing */ duringPublish: boolean };

/**
 * Runs one claimed attempt: look first when an earlier attempt's outcome is unknown (adopt
 * what it published), otherwise publish; then record the outcome under the claim fence.
 * While it runs, a heartbeat keeps the claim (and the account lock) fresh.
 */
export async function runAttempt(
  deps: RuntimeDeps,
  claim: Claim,
  context: { account: Account | null; slot: PacingSlot | null; jobSignal: AbortSignal | undefined; logger: Logger },
): Promise<AttemptEnd> {
  const recorder = new AttemptRecorder(deps, claim, context.logger);
  const claimLost = new AbortController();
  const signal = AbortSignal.any([
    deps.shutdown,
    claimLost.signal,
    AbortSignal.timeout(deps.config.publishTimeoutMs),
    ...(context.jobSignal ? [context.jobSignal] : []),
  ]);
  const stopHeartbeat = startHeartbeat(deps.config.lockDurationMs / 2, async () => {
    if (!(await renewClaim(deps.db, claim.fence))) claimLost.abort(new ClaimLostError());
    else if (context.slot && !(await context.slot.refresh())) context.logger.warn('the account lock expired during the attempt');
  }, context.logger);
  try {
    const outcome = await callPublisher(deps, claim, context.account, recorder, signal);
    if (outcome.ok) {
      const recorded = await recorder.posted(outcome.result, outcome.adopted);
      return { kind: recorded ? (outcome.adopted ? 'adopted' : 'posted') : 'claim_lost', publication: 'published' };
    }
    if (deps.shutdown.aborted) {
      const released = await recorder.released();
      return { kind: released ? 'released' : 'claim_lost', publication: 'maybe_published' };
    }
    return await recordFailure(deps, claim, recorder, outcome);
  } finally {
    stopHeartbeat();
    await recorder.log.flush();
  }
}

async function callPublisher(
  deps: RuntimeDeps,
  claim: Claim,
  account: Account | null,
  recorder: AttemptRecorder,
  signal: AbortSignal,
): Promise<PublisherOutcome> {
  let duringPublish = false;
  try {
    const { request, lookFirst } = await buildRequest(deps, claim, account, recorder, signal);
    if (lookFirst) {
      recorder.log.write('INFO', 'An earlier attempt may have published this post: looking for it first');
      const existing = await untilAborted(deps.publisher.findExisting(request), signal);
      if (existing) return { ok: true, result: existing, adopted: true };
    }
    duringPublish = true;
    const result = await untilAborted(deps.publisher.publish(request), signal);
    return { ok: true, result, adopted: false };
  } catch (error) {
    return { ok: false, error, duringPublish };
  }
}

/** The request, and whether an earlier attempt's unknown outcome means looking before publishing. */
async function buildRequest(
  deps: RuntimeDeps,
  claim: Claim,
  account: Account | null,
  recorder: AttemptRecorder,
  signal: AbortSignal,
): Promise<{ request: PublishRequest; lookFirst: boolean }> {
  const { delivery, attempt } = claim;
  if (!account) throw new PublishError('permission_denied', 'The account of this delivery was deleted');
  const [post, history] = await Promise.all([
    loadPublishPost(deps.db, delivery, deps.config.media),
    findAttemptHistory(deps.db, delivery.userId, delivery.id),
  ]);
  const request: PublishRequest = {
    deliveryId: delivery.id,
    channel: delivery.channel as Channel,
    targetId: delivery.targetId,
    attemptNo: attempt.attemptNo,
    since: history.unknownSince ?? attempt.startedAt,
    post,
    account: toPublishAccount(account, deps.keyring),
    signal,
    savedState: history.savedState,
    saveState: recorder.saveState,
    log: (level, message, fields) => recorder.log.write(level, message, fields),
  };
  return { request, lookFirst: history.unknownSince !== null };
}

async function recordFailure(
  deps: RuntimeDeps,
  claim: Claim,
  recorder: AttemptRecorder,
  outcome: Extract<PublisherOutcome, { ok: false }>,
): Promise<AttemptEnd> {
  const error = classifyError(outcome.error);
  const outcomeUnknown = outcome.duringPublish && error.outcomeUnknown;
  const decision: FailureDecision = decideAfterFailure(error, claim.attemptOfRun, deps.config.retry);
  const recorded = await recorder.failed(error, outcomeUnknown, decision);
  const publication: PublicationOutcome = outcomeUnknown ? 'maybe_published' : 'not_published';
  if (!recorded) return { kind: 'claim_lost', publication };
  return decision.kind === 'fail'
    ? { kind: 'failed', error, publication }
    : { kind: 'retrying', error, delayMs: decision.delayMs, publication };
}

function startHeartbeat(intervalMs: number, beat: () => Promise<void>, logger: Logger): () => void {
  const timer = setInterval(() => {
    beat().catch((err: unknown) => logger.warn({ err }, 'could not renew the claim'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
