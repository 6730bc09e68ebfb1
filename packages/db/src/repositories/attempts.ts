import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { deliveries, deliveryAttempts } from '../schema.ts';
import type { AttemptOutcome, ErrorType } from '../statuses.ts';
import type { ClaimFence } from './delivery-runs.ts';

export type AttemptRow = typeof deliveryAttempts.$inferSelect;

/**
 * Attempts of the delivery still `running` belong to a worker that died (or was fenced out):
 * they become `abandoned`, their outcome unknown (the provider may have accepted the post
 * before the worker went away).
 */
export async function abandonRunningAttempts(tx: DbOrTx, input: { deliveryId: string; userId: string }): Promise<void> {
  await tx
    .update(deliveryAttempts)
    .set({ outcome: 'abandoned', outcomeUnknown: true, finishedAt: sql`now()` })
    .where(
      and(
        eq(deliveryAttempts.deliveryId, input.deliveryId),
        eq(deliveryAttempts.userId, input.userId),
        eq(deliveryAttempts.outcome, 'running'),
      ),
    );
}

export interface AttemptHistory {
  /** When the first attempt whose outcome is unknown began; null when every earlier attempt is known not to have posted. */
  unknownSince: Date | null;
  /** The latest provider state an attempt saved. */
  savedState: Record<string, unknown> | null;
}

/** Stores what the publisher wants a later attempt to resume from; false when the claim was lost. */
export async function saveProviderState(
  db: DbOrTx,
  fence: ClaimFence,
  attemptId: string,
  state: Record<string, unknown>,
): Promise<boolean> {
  const rows = await db
    .update(deliveryAttempts)
    .set({ providerState: state })
    .where(
      and(
        eq(deliveryAttempts.id, attemptId),
        sql`exists (select 1 from ${deliveries} where ${deliveries.id} = ${fence.deliveryId} and ${deliveries.claimToken} = ${fence.token})`,
      ),
    )
    .returning({ id: deliveryAttempts.id });
  return rows.length > 0;
}

export interface AttemptEnd {
  outcome: Exclude<AttemptOutcome, 'running'>;
  providerPostId?: string | null;
  errorType?: ErrorType | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  stackTrace?: string | null;
  outcomeUnknown?: boolean;
  screenshotArtifactId?: string | null;
  pageHtmlArtifactId?: string | null;
}

/**
 * Closes an attempt. Call it in the transaction that just wrote the delivery under the claim
 * fence: the delivery row lock is what makes this write safe.
 */
export async function finishAttempt(tx: DbOrTx, attemptId: string, end: AttemptEnd): Promise<void> {
  await tx
    .update(deliveryAttempts)
    .set({ ...end, finishedAt: sql`now()` })
    .where(eq(deliveryAttempts.id, attemptId));
}
