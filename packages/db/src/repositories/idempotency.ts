import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { idempotencyKeys } from '../schema.ts';

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

/**
 * Takes a transaction-scoped lock on (user, key) without waiting; false while another
 * transaction holds it, i.e. the same key is being processed right now.
 */
export async function tryLockIdempotencyKey(tx: DbOrTx, userId: string, key: string): Promise<boolean> {
  const result = await tx.execute<{ locked: boolean }>(
    sql`select pg_try_advisory_xact_lock(hashtextextended(${userId} || ':' || ${key}, 0)) as locked`,
  );
  return result.rows[0]?.locked === true;
}

/**
 * Claims the key for this request: inserts it, or takes it over when the stored one is older
 * than `ttlSeconds` (treated as absent). Returns the live record that holds the key otherwise.
 */
export async function reserveIdempotencyKey(
  tx: DbOrTx,
  userId: string,
  key: string,
  requestHash: string,
  ttlSeconds: number,
): Promise<{ reserved: true } | { reserved: false; existing: IdempotencyRecord }> {
  const expired = sql`${idempotencyKeys.createdAt} <= now() - make_interval(secs => ${ttlSeconds})`;
  const claimed = await tx
    .insert(idempotencyKeys)
    .values({ userId, key, requestHash })
    .onConflictDoUpdate({
      target: [idempotencyKeys.userId, idempotencyKeys.key],
      set: { requestHash, responseStatus: null, responseBody: null, createdAt: sql`now()` },
      setWhere: expired,
    })
    .returning({ key: idempotencyKeys.key });
  if (claimed.length > 0) return { reserved: true };
  const [existing] = await tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  return { reserved: false, existing: existing! };
}

/** Stores the response to replay for later requests with the same key. */
export async function saveIdempotentResponse(
  tx: DbOrTx,
  userId: string,
  key: string,
  response: { status: number; body: unknown },
) {
  await tx
    .update(idempotencyKeys)
    .set({ responseStatus: response.status, responseBody: response.body })
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
}
