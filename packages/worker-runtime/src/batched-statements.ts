import type { Db } from '@autoposter/db';
import { claimAndStartAttempts, type ClaimedAttempt } from '@autoposter/db/repositories/attempt-claims';
import { recordPublications, type PostedAttempt, type RecordedPublication } from '@autoposter/db/repositories/attempt-outcomes';
import { findDeliveriesWithAccounts, type ClaimInput, type DeliveryWithAccount } from '@autoposter/db/repositories/delivery-runs';
import { Batcher } from './batcher.ts';

/** The three statements every delivery runs (read, claim, publication), batched across the worker's concurrent jobs. */
export interface BatchedStatements {
  findDelivery: Batcher<string, DeliveryWithAccount | null>;
  claim: Batcher<ClaimInput, ClaimedAttempt | null>;
  recordPublication: Batcher<PostedAttempt, RecordedPublication | null>;
}

/**
 * A batch holds at most `concurrency` inputs (no more jobs run at once). The gathering window
 * is short next to a statement's commit: measured, it let the worker's jobs meet in batches of
 * ~9 (of 10) instead of ~2.5, which halves the database time per delivery.
 */
const GATHER_MS = 3;

export function createBatchedStatements(db: Db, settings: { concurrency: number; leaseMs: number; workerId: string }): BatchedStatements {
  const options = { maxBatch: settings.concurrency, gatherMs: GATHER_MS };
  return {
    findDelivery: new Batcher((ids) => findDeliveriesWithAccounts(db, ids), options),
    claim: new Batcher((inputs) => claimAndStartAttempts(db, { leaseMs: settings.leaseMs, now: new Date(), workerId: settings.workerId }, inputs), options),
    recordPublication: new Batcher((inputs) => recordPublications(db, inputs), options),
  };
}
