import type { DbOrTx } from '@autoposter/db';
import { extendCooldown, markSessionInvalid } from '@autoposter/db/repositories/account-health';
import { insertPageHtml, insertScreenshot } from '@autoposter/db/repositories/artifacts';
import { appendDeliveryLogs, type NewDeliveryLog } from '@autoposter/db/repositories/delivery-logs';
import { finishAttempt, saveProviderState } from '@autoposter/db/repositories/attempts';
import {
  deferDelivery,
  isStillWanted,
  markDeliveryFailed,
  markDeliveryRetrying,
  releaseDelivery,
  type DeliveryRow,
} from '@autoposter/db/repositories/delivery-runs';
import type { DeliveryOutcome } from '@autoposter/db/repositories/posting-jobs';
import type { Logger } from '@autoposter/logger';
import { accountErrorTypes, NoLongerWantedError, type PublishDeferral, type PublishError, type PublishResult } from '@autoposter/publisher';
import { ClaimLostError } from './abort.ts';
import type { Claim } from './claim.ts';
import { DeliveryLog } from './delivery-log.ts';
import { accountCoolingDown, announceDelivery, commitThenAnnounce, deliveryAndJobEvents, sessionInvalid, type Announce } from './events.ts';
import type { Redactor } from './redaction.ts';
import type { FailureDecision } from './retry-policy.ts';
import type { RuntimeDeps } from './runtime.ts';

/** The outcome a delivery's status counts as in its posting job; null while it has work ahead. */
const finalOutcome = (delivery: DeliveryRow): DeliveryOutcome | null =>
  delivery.status === 'posted' || delivery.status === 'failed' || delivery.status === 'canceled' ? delivery.status : null;

const canceledLine = 'Canceled: its schedule was canceled during this attempt; nothing more will be published';

/**
 * Writes what became of one claimed attempt. Every write is fenced by the claim token and runs
 * in one transaction (a publication: in one statement), its events appended after the commit;
 * each method returns null when the claim was taken over, in which case nothing was written
 * (the new owner's result stands).
 * A cancel requested during the attempt turns every end but `posted` into `canceled`.
 */
export class AttemptRecorder {
  readonly log: DeliveryLog;

  constructor(
    private readonly deps: RuntimeDeps,
    private readonly claim: Claim,
    logger: Logger,
    private readonly redactor: Redactor,
  ) {
    this.log = new DeliveryLog(deps.db, claim.delivery.id, claim.attempt.attemptNo, logger, redactor);
  }

  /** The publisher's `saveState`: throws once the claim is lost, which stops the publisher. */
  readonly saveState = async (state: Record<string, unknown>): Promise<void> => {
    if (!(await saveProviderState(this.deps.db, this.claim.fence, this.claim.attempt.id, state))) throw new ClaimLostError();
  };

  /** The publisher's `assertStillWanted`: the cancel fence right before the publishing call. */
  readonly assertStillWanted = async (): Promise<void> => {
    const { wanted, reason } = await isStillWanted(this.deps.db, this.claim.fence);
    if (!wanted) throw new NoLongerWantedError(reason!);
  };

  /**
   * The publisher asked to wait (PublishDeferral): the delivery is due again at `until`, the
   * attempt ends `deferred` and is not counted against the run; with `accountWide`, the account
   * cools down until then.
   */
  async deferred(deferral: PublishDeferral): Promise<DeliveryRow | null> {
    return this.record(async (tx, announce) => {
      const delivery = await deferDelivery(tx, this.claim.fence, deferral.until);
      if (!delivery) return null;
      await finishAttempt(tx, this.claim.attempt.id, { outcome: delivery.status === 'canceled' ? 'canceled' : 'deferred' });
      if (deferral.options.accountWide && delivery.status !== 'canceled') {
        await extendCooldown(tx, { userId: delivery.userId, accountId: delivery.accountId, until: deferral.until });
      }
      await announceDelivery(tx, announce, delivery, finalOutcome(delivery));
      const message = delivery.status === 'canceled' ? canceledLine : `${deferral.message} (no attempt used)`;
      return { delivery, lines: [this.log.draft('INFO', this.redactor.text(message), { until: deferral.until.toISOString() })] };
    });
  }

  /**
   * One statement, no transaction, shared with concurrent jobs' publications: the delivery, its
   * attempt, the log line and the posting job's count.
   */
  async posted(result: PublishResult, adopted: boolean): Promise<DeliveryRow | null> {
    // Scrubbed and storable like everything else the provider sent: a value Postgres refused
    // would leave a publication unrecorded.
    const providerPostId = this.redactor.text(String(result.providerPostId));
    const permalink = result.permalink ? this.redactor.text(String(result.permalink)) : null;
    const message = adopted ? 'Adopted existing post: an earlier attempt had published it' : 'Published';
    const logLine = this.log.draft('INFO', message, { provider_post_id: providerPostId, permalink });
    await this.log.flush();
    const recorded = await this.deps.statements.recordPublication.run({
      fence: this.claim.fence,
      providerPostId,
      permalink,
      attemptId: this.claim.attempt.id,
      logLine,
    });
    if (!recorded) return null;
    this.log.mirror(logLine);
    this.deps.events.send(deliveryAndJobEvents(recorded.delivery, recorded.postingJob));
    return recorded.delivery;
  }

  /** `error` must already be scrubbed of the attempt's secrets: it is stored and shown as is. */
  async failed(error: PublishError, outcomeUnknown: boolean, decision: FailureDecision): Promise<DeliveryRow | null> {
    const details = { type: error.type, code: error.code ?? null, message: error.message };
    return this.record(async (tx, announce) => {
      const delivery =
        decision.kind === 'fail'
          ? await markDeliveryFailed(tx, this.claim.fence, details)
          : await markDeliveryRetrying(tx, this.claim.fence, details, new Date(Date.now() + decision.delayMs));
      if (!delivery) return null;
      const screenshotArtifactId = error.screenshot
        ? await insertScreenshot(tx, { userId: delivery.userId, deliveryId: delivery.id, data: error.screenshot })
        : null;
      const pageHtmlArtifactId = error.html
        ? await insertPageHtml(tx, { userId: delivery.userId, deliveryId: delivery.id, html: error.html })
        : null;
      await finishAttempt(tx, this.claim.attempt.id, {
        outcome: delivery.status === 'canceled' ? 'canceled' : decision.kind === 'fail' ? 'failed' : 'retrying',
        errorType: error.type,
        errorCode: details.code,
        errorMessage: error.message,
        stackTrace: error.stack ?? null,
        outcomeUnknown,
        screenshotArtifactId,
        pageHtmlArtifactId,
      });
      await this.applyToAccount(tx, announce, delivery, error);
      await announceDelivery(tx, announce, delivery, finalOutcome(delivery));
      return { delivery, lines: this.failureLines(error, delivery) };
    });
  }

  /**
   * Hands the delivery back when the worker stops mid-attempt, due in `dueInMs`. When publishing
   * had begun its outcome is unknown: the next attempt looks before publishing.
   */
  async released(input: { publishStarted: boolean; dueInMs: number }): Promise<DeliveryRow | null> {
    return this.record(async (tx, announce) => {
      const delivery = await releaseDelivery(tx, this.claim.fence, input.dueInMs);
      if (!delivery) return null;
      await finishAttempt(tx, this.claim.attempt.id, { outcome: 'abandoned', outcomeUnknown: input.publishStarted });
      await announceDelivery(tx, announce, delivery, finalOutcome(delivery));
      const message = delivery.status === 'canceled' ? canceledLine : 'The worker stopped during this attempt; another worker will continue';
      return { delivery, lines: [this.log.draft('WARNING', message)] };
    });
  }

  /**
   * Runs `work` in a transaction with the outcome's log lines it returns: the lines the attempt
   * wrote come first (ids keep the order). The lines reach the service log once committed, so a
   * record rolled back and made again logs nothing twice. Null when the claim was lost.
   */
  private async record(
    work: (tx: DbOrTx, announce: Announce) => Promise<{ delivery: DeliveryRow; lines: NewDeliveryLog[] } | null>,
  ): Promise<DeliveryRow | null> {
    await this.log.flush();
    const recorded = await commitThenAnnounce(this.deps, async (tx, announce) => {
      const outcome = await work(tx, announce);
      if (outcome) await appendDeliveryLogs(tx, outcome.lines);
      return outcome;
    });
    for (const line of recorded?.lines ?? []) this.log.mirror(line);
    return recorded?.delivery ?? null;
  }

  /** The session is unusable, or the provider asked the account to slow down. */
  private async applyToAccount(tx: DbOrTx, announce: Announce, delivery: DeliveryRow, error: PublishError) {
    const ids = { userId: delivery.userId, accountId: delivery.accountId };
    if (accountErrorTypes.has(error.type)) {
      const account = await markSessionInvalid(tx, { ...ids, message: error.message });
      if (account) announce(sessionInvalid(account));
    }
    if (error.type === 'rate_limit' && error.retryAfterMs) {
      const account = await extendCooldown(tx, { ...ids, until: new Date(Date.now() + error.retryAfterMs) });
      if (account && account.sessionValid !== false) announce(accountCoolingDown(account, error.message));
    }
  }

  private failureLines(error: PublishError, delivery: DeliveryRow) {
    const fields = { error_type: error.type, error_code: error.code ?? null };
    const failedLine = this.log.draft('ERROR', `Attempt ${this.claim.attempt.attemptNo} failed: ${error.message}`, fields);
    const next =
      delivery.status === 'retrying'
        ? this.log.draft('WARNING', `Will try again at ${delivery.nextAttemptAt?.toISOString()}`, fields)
        : delivery.status === 'canceled'
          ? this.log.draft('INFO', canceledLine, fields)
          : this.log.draft('ERROR', 'Delivery failed: no further attempts', fields);
    return [failedLine, next];
  }
}
