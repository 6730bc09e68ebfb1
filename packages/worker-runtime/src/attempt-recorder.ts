import type { DbOrTx } from '@autoposter/db';
import { extendCooldown, markSessionInvalid } from '@autoposter/db/repositories/account-health';
import { insertScreenshot } from '@autoposter/db/repositories/artifacts';
import { appendDeliveryLogs } from '@autoposter/db/repositories/delivery-logs';
import { finishAttempt, saveProviderState } from '@autoposter/db/repositories/attempts';
import {
  markDeliveryFailed,
  markDeliveryPosted,
  markDeliveryRetrying,
  releaseDelivery,
  type DeliveryRow,
} from '@autoposter/db/repositories/delivery-runs';
import { recordDeliveryOutcome, type DeliveryOutcome } from '@autoposter/db/repositories/posting-jobs';
import type { Logger } from '@autoposter/logger';
import { accountErrorTypes, type PublishError, type PublishResult } from '@autoposter/publisher';
import { ClaimLostError } from './abort.ts';
import type { Claim } from './claim.ts';
import { DeliveryLog } from './delivery-log.ts';
import type { FailureDecision } from './retry-policy.ts';
import type { RuntimeDeps } from './runtime.ts';

/**
 * Writes what became of one claimed attempt. Every write is fenced by the claim token and runs
 * in one transaction with its events; each method returns false when the claim was taken over,
 * in which case nothing was written (the new owner's result stands).
 */
export class AttemptRecorder {
  readonly log: DeliveryLog;

  constructor(
    private readonly deps: RuntimeDeps,
    private readonly claim: Claim,
    logger: Logger,
  ) {
    this.log = new DeliveryLog(deps.db, claim.delivery.id, claim.attempt.attemptNo, logger);
  }

  /** The publisher's `saveState`: throws once the claim is lost, which stops the publisher. */
  readonly saveState = async (state: Record<string, unknown>): Promise<void> => {
    if (!(await saveProviderState(this.deps.db, this.claim.fence, this.claim.attempt.id, state))) throw new ClaimLostError();
  };

  async posted(result: PublishResult, adopted: boolean): Promise<boolean> {
    const permalink = result.permalink ?? null;
    await this.log.flush();
    return this.deps.db.transaction(async (tx) => {
      const delivery = await markDeliveryPosted(tx, this.claim.fence, { providerPostId: result.providerPostId, permalink });
      if (!delivery) return false;
      await finishAttempt(tx, this.claim.attempt.id, { outcome: 'posted', providerPostId: result.providerPostId });
      const message = adopted ? 'Adopted existing post: an earlier attempt had published it' : 'Published';
      await appendDeliveryLogs(tx, [this.log.line('INFO', message, { provider_post_id: result.providerPostId, permalink })]);
      await this.announce(tx, delivery, 'posted');
      return true;
    });
  }

  async failed(error: PublishError, outcomeUnknown: boolean, decision: FailureDecision): Promise<boolean> {
    const details = { type: error.type, code: error.code ?? null, message: error.message };
    await this.log.flush();
    return this.deps.db.transaction(async (tx) => {
      const delivery =
        decision.kind === 'fail'
          ? await markDeliveryFailed(tx, this.claim.fence, details)
          : await markDeliveryRetrying(tx, this.claim.fence, details, new Date(Date.now() + decision.delayMs));
      if (!delivery) return false;
      const screenshotArtifactId = error.screenshot
        ? await insertScreenshot(tx, { userId: delivery.userId, deliveryId: delivery.id, data: error.screenshot })
        : null;
      await finishAttempt(tx, this.claim.attempt.id, {
        outcome: decision.kind === 'fail' ? 'failed' : 'retrying',
        errorType: error.type,
        errorCode: details.code,
        errorMessage: error.message,
        stackTrace: error.stack ?? null,
        outcomeUnknown,
        screenshotArtifactId,
      });
      await appendDeliveryLogs(tx, this.failureLines(error, delivery));
      await this.applyToAccount(tx, delivery, error);
      await this.announce(tx, delivery, decision.kind === 'fail' ? 'failed' : null);
      return true;
    });
  }

  /** Hands the delivery back when the worker stops mid-attempt; the next attempt looks before publishing. */
  async released(): Promise<boolean> {
    await this.log.flush();
    return this.deps.db.transaction(async (tx) => {
      const delivery = await releaseDelivery(tx, this.claim.fence);
      if (!delivery) return false;
      await finishAttempt(tx, this.claim.attempt.id, { outcome: 'abandoned', outcomeUnknown: true });
      await appendDeliveryLogs(tx, [this.log.line('WARNING', 'The worker stopped during this attempt; another worker will continue')]);
      await this.announce(tx, delivery, null);
      return true;
    });
  }

  /** The session is unusable, or the provider asked the account to slow down. */
  private async applyToAccount(tx: DbOrTx, delivery: DeliveryRow, error: PublishError) {
    const ids = { userId: delivery.userId, accountId: delivery.accountId };
    if (accountErrorTypes.has(error.type)) {
      const account = await markSessionInvalid(tx, { ...ids, message: error.message });
      if (account) await this.deps.events.sessionInvalid(account);
    }
    if (error.type === 'rate_limit' && error.retryAfterMs) {
      await extendCooldown(tx, { ...ids, until: new Date(Date.now() + error.retryAfterMs) });
    }
  }

  /** delivery.updated, and for a final outcome the posting job's count and progress. */
  private async announce(tx: DbOrTx, delivery: DeliveryRow, outcome: DeliveryOutcome | null) {
    await this.deps.events.deliveryUpdated(delivery);
    if (!outcome || !delivery.postingJobId) return;
    const counted = await recordDeliveryOutcome(tx, { jobId: delivery.postingJobId, postId: delivery.postId, outcome });
    if (counted) await this.deps.events.jobProgress(counted);
  }

  private failureLines(error: PublishError, delivery: DeliveryRow) {
    const fields = { error_type: error.type, error_code: error.code ?? null };
    const failedLine = this.log.line('ERROR', `Attempt ${this.claim.attempt.attemptNo} failed: ${error.message}`, fields);
    const next =
      delivery.status === 'retrying'
        ? this.log.line('WARNING', `Will try again at ${delivery.nextAttemptAt?.toISOString()}`, fields)
        : this.log.line('ERROR', 'Delivery failed: no further attempts', fields);
    return [failedLine, next];
  }
}
