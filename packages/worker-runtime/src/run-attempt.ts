import { encryptJson } from '@autoposter/crypto';
import { saveRefreshedCredentials } from '@autoposter/db/repositories/account-health';
import type { Account } from '@autoposter/db/repositories/accounts';
import { renewClaim } from '@autoposter/db/repositories/delivery-runs';
import type { Logger } from '@autoposter/logger';
import { classifyError, PublishDeferral, PublishError, type Channel, type PublishRequest, type PublishResult } from '@autoposter/publisher';
import { ClaimLostError, untilAborted } from './abort.ts';
import { databaseCause } from './query-error.ts';
import { AttemptRecorder } from './attempt-recorder.ts';
import type { Claim } from './claim.ts';
import type { PacingSlot, PublicationOutcome } from './pacing.ts';
import { toPublishAccount, toPublishPost } from './publish-content.ts';
import { Redactor } from './redaction.ts';
import { decideAfterFailure, type RetryConfig } from './retry-policy.ts';
import type { RuntimeDeps } from './runtime.ts';

/** How a claimed attempt ended, and what that means for the account's pacing. */
export type AttemptEnd = (
  | { kind: 'posted' | 'adopted' | 'canceled' | 'claim_lost' }
  /** Handed back on shutdown, or deferred by the publisher (no attempt used): the delivery is due again at `dueAt`. */
  | { kind: 'released' | 'deferred'; dueAt: Date }
  | { kind: 'failed'; error: PublishError }
  | { kind: 'retrying'; error: PublishError; delayMs: number }
) & { publication: PublicationOutcome };

type PublisherFailure = {
  ok: false;
  error: unknown;
  /** The publish call had begun: the provider may have been writing. */
  publishStarted: boolean;
  /** The runtime stopped waiting for the publisher (timeout, shutdown, lost claim): its call may still be running. */
  abandoned: boolean;
};
type PublisherOutcome = { ok: true; result: PublishResult; adopted: boolean } | PublisherFailure;

/**
 * Runs one claimed attempt: look first when an earlier attempt's outcome is unknown (adopt
 * what it published), otherwise publish; then record the outcome under the claim fence.
 * While it runs, a heartbeat extends the claim's lease (and the account lock).
 */
export async function runAttempt(
  deps: RuntimeDeps,
  claim: Claim,
  context: { account: Account | null; slot: PacingSlot | null; jobSignal: AbortSignal | undefined; logger: Logger },
): Promise<AttemptEnd> {
  const redactor = new Redactor();
  const recorder = new AttemptRecorder(deps, claim, context.logger, redactor);
  const claimLost = new AbortController();
  const signal = AbortSignal.any([
    deps.shutdown,
    claimLost.signal,
    AbortSignal.timeout(deps.config.publishTimeoutMs),
    ...(context.jobSignal ? [context.jobSignal] : []),
  ]);
  const { lockDurationMs } = deps.config;
  const stopHeartbeat = startHeartbeat(lockDurationMs / 2, async () => {
    if (!(await renewClaim(deps.db, claim.fence, lockDurationMs))) claimLost.abort(new ClaimLostError());
    else if (context.slot && !(await context.slot.refresh())) context.logger.warn('the account lock expired during the attempt');
  }, context.logger);
  try {
    const outcome = await callPublisher(deps, { claim, account: context.account, recorder, redactor, signal });
    if (outcome.ok) {
      // Published whatever the record below says: pacing counts it meanwhile (its failure is logged when the attempt ends).
      context.slot?.settle('published').catch(() => undefined);
      const recorded = await recorder.posted(outcome.result, outcome.adopted);
      if (recorded && context.account) await keepRefreshedCredentials(deps, context.account, outcome.result, context.logger);
      return { kind: recorded ? (outcome.adopted ? 'adopted' : 'posted') : 'claim_lost', publication: 'published' };
    }
    if (outcome.error instanceof PublishDeferral && !outcome.abandoned) return await defer(recorder, outcome.error);
    if (deps.shutdown.aborted) return await handBack(deps, recorder, outcome);
    return await recordFailure(deps, claim, recorder, redactor, outcome, context.logger);
  } finally {
    stopHeartbeat();
    await recorder.log.flush();
  }
}

async function callPublisher(
  deps: RuntimeDeps,
  input: { claim: Claim; account: Account | null; recorder: AttemptRecorder; redactor: Redactor; signal: AbortSignal },
): Promise<PublisherOutcome> {
  const { signal, recorder } = input;
  let publishStarted = false;
  try {
    const { request, lookFirst } = buildRequest(deps, input);
    if (lookFirst) {
      recorder.log.write('INFO', 'An earlier attempt may have published this post: looking for it first');
      const existing = await untilAborted(deps.publisher.findExisting(request), signal);
      if (existing) return { ok: true, result: existing, adopted: true };
    }
    if (pastLoopLimit(input.claim, deps.config.retry)) throw givingUp(input.claim, deps.config.retry);
    publishStarted = true;
    const result = await untilAborted(deps.publisher.publish(request), signal);
    return { ok: true, result, adopted: false };
  } catch (error) {
    return { ok: false, error, publishStarted, abandoned: signal.aborted };
  }
}

/** The request, and whether an earlier attempt's unknown outcome means looking before publishing. */
function buildRequest(
  deps: RuntimeDeps,
  input: { claim: Claim; account: Account | null; recorder: AttemptRecorder; redactor: Redactor; signal: AbortSignal },
): { request: PublishRequest; lookFirst: boolean } {
  const { claim, account, recorder, redactor, signal } = input;
  const { delivery, attempt, history } = claim;
  if (!account) throw new PublishError('permission_denied', 'The account of this delivery was deleted');
  const post = toPublishPost(claim.post, claim.media, deps.config.media);
  const publishAccount = toPublishAccount(account, deps.keyring);
  redactor.learnSecretsOf(publishAccount.credentials);
  const request: PublishRequest = {
    deliveryId: delivery.id,
    channel: delivery.channel as Channel,
    targetId: delivery.targetId,
    attemptNo: attempt.attemptNo,
    since: history.unknownSince ?? attempt.startedAt,
    post,
    account: publishAccount,
    signal,
    savedState: history.savedState,
    saveState: recorder.saveState,
    assertStillWanted: recorder.assertStillWanted,
    log: (level, message, fields) => recorder.log.write(level, message, fields),
  };
  return { request, lookFirst: history.unknownSince !== null };
}

/**
 * A run normally ends within RETRY_MAX_ATTEMPTS attempts: a recorded failure past the budget
 * fails it. Only attempts whose end was never recorded (the worker died or could not write) or
 * that were handed back on shutdown take a run past it. Past twice the budget that is a loop,
 * not bad luck: the runtime still looks for the post (above), but publishes no more.
 */
const LOOP_LIMIT_FACTOR = 2;
const pastLoopLimit = (claim: Claim, retry: RetryConfig) => claim.attemptOfRun > retry.maxAttempts * LOOP_LIMIT_FACTOR;
const givingUp = (claim: Claim, retry: RetryConfig) =>
  new PublishError(
    'unknown',
    `Gave up after ${claim.attemptOfRun - 1} attempts of this run, more than twice the ${retry.maxAttempts} allowed: its attempts kept ending without a recorded outcome (the worker stopped, or could not record them)`,
  );

/**
 * What the account's pacing keeps. A publish call abandoned while it ran may still be driving
 * the provider (a browser mid-action): the account stays locked until the lease would expire.
 */
const publicationAfter = (failure: PublisherFailure, outcomeUnknown: boolean): PublicationOutcome => {
  if (failure.publishStarted && failure.abandoned) return 'abandoned_in_flight';
  return outcomeUnknown ? 'maybe_published' : 'not_published';
};

/**
 * The worker is stopping. Publishing that had begun may still land: the delivery is due again
 * only once this attempt's lease would have run out, so the next worker's lookup can see the
 * post. One that never began publishing is due at once.
 */
async function handBack(deps: RuntimeDeps, recorder: AttemptRecorder, failure: PublisherFailure): Promise<AttemptEnd> {
  const { publishStarted } = failure;
  const delivery = await recorder.released({ publishStarted, dueInMs: publishStarted ? deps.config.lockDurationMs : 0 });
  const publication = publicationAfter(failure, publishStarted);
  if (!delivery) return { kind: 'claim_lost', publication };
  if (delivery.status === 'canceled') return { kind: 'canceled', publication };
  return { kind: 'released', dueAt: delivery.dueAt ?? new Date(), publication };
}

/** The publisher asked to wait: nothing was published by this attempt, and it does not count. */
async function defer(recorder: AttemptRecorder, deferral: PublishDeferral): Promise<AttemptEnd> {
  const delivery = await recorder.deferred(deferral);
  if (!delivery) return { kind: 'claim_lost', publication: 'not_published' };
  if (delivery.status === 'canceled') return { kind: 'canceled', publication: 'not_published' };
  return { kind: 'deferred', dueAt: delivery.dueAt ?? deferral.until, publication: 'not_published' };
}

/**
 * A publish call the runtime stopped waiting for (a timeout) may still land at the provider:
 * aborting an HTTP request does not stop the server working on it. The next attempt looks for
 * the post before publishing, so it waits at least as long again as the call was given, for a
 * late landing to be found rather than published twice.
 */
const timeToLandMs = (failure: PublisherFailure, publishTimeoutMs: number) =>
  failure.publishStarted && failure.abandoned ? publishTimeoutMs : 0;

/** The failure's type, retry-after and the start of its message: what is left to record when the rest was refused. */
function withoutDetails(error: PublishError): PublishError {
  const plain = new PublishError(error.type, `${error.message.slice(0, 500)} (the error's details could not be recorded)`, {
    outcomeUnknown: error.outcomeUnknown,
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
  });
  plain.stack = undefined;
  return plain;
}

async function recordFailure(
  deps: RuntimeDeps,
  claim: Claim,
  recorder: AttemptRecorder,
  redactor: Redactor,
  failure: PublisherFailure,
  logger: Logger,
): Promise<AttemptEnd> {
  const error = redactor.error(classifyError(failure.error));
  const outcomeUnknown = failure.publishStarted && error.outcomeUnknown;
  const decision = decideAfterFailure(error, claim.attemptOfRun, deps.config.retry, timeToLandMs(failure, deps.config.publishTimeoutMs));
  const delivery = await recorder.failed(error, outcomeUnknown, decision).catch(async (err: unknown) => {
    // The database refused the failure as it was (a value it cannot hold, a screenshot it could
    // not store...). Left unrecorded, the delivery would stay processing with no error and be
    // tried again and again: record the same failure without its details instead. If this fails
    // too (the database is down), the job is retried and the claim taken over.
    logger.error({ err: databaseCause(err) }, 'could not record the failure: recording it without its details');
    return recorder.failed(withoutDetails(error), outcomeUnknown, decision);
  });
  const publication = publicationAfter(failure, outcomeUnknown);
  if (!delivery) return { kind: 'claim_lost', publication };
  if (delivery.status === 'canceled') return { kind: 'canceled', publication };
  return decision.kind === 'fail'
    ? { kind: 'failed', error, publication }
    : { kind: 'retrying', error, delayMs: decision.delayMs, publication };
}

/** Saves what the provider refreshed (encrypted); a failure costs only the refresh, not the publication. */
async function keepRefreshedCredentials(deps: RuntimeDeps, account: Account, result: PublishResult, logger: Logger) {
  if (!result.refreshedCredentials) return;
  try {
    const saved = await saveRefreshedCredentials(deps.db, {
      userId: account.userId,
      accountId: account.id,
      credentialsEncrypted: encryptJson(deps.keyring, result.refreshedCredentials),
      sessionUpdatedAt: account.sessionUpdatedAt,
    });
    if (!saved) logger.info('the session was updated during the attempt: the refreshed one is not kept');
  } catch (err) {
    logger.warn({ err: databaseCause(err) }, 'could not save the refreshed session');
  }
}

function startHeartbeat(intervalMs: number, beat: () => Promise<void>, logger: Logger): () => void {
  const timer = setInterval(() => {
    beat().catch((err: unknown) => logger.warn({ err }, 'could not renew the claim'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
