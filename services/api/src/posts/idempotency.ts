import { createHash } from 'node:crypto';
import type { Db, DbOrTx } from '@autoposter/db';
import {
  reserveIdempotencyKey,
  saveIdempotentResponse,
  tryLockIdempotencyKey,
  type IdempotencyRecord,
} from '@autoposter/db/repositories/idempotency';
import { HttpError, conflict } from '../plugins/errors.ts';

/** How long a key remembers its first result (the contract's 24 h). */
export const IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 60 * 60;

export interface IdempotencyScope {
  userId: string;
  /** The Idempotency-Key header; without one the request simply runs. */
  key: string | undefined;
  /** The validated request body: the same key with another body is refused. */
  payload: unknown;
}

/**
 * With a key, runs `run` in one transaction with the key's reservation and stored response, so a
 * request either creates once and records its result, or leaves nothing behind. Only a successful
 * result (answered with `status`) is recorded: a failure rolls the reservation back. Without a
 * key, `run` gets `db` itself and must be atomic on its own.
 */
export async function runIdempotent<T>(
  db: Db,
  scope: IdempotencyScope,
  status: number,
  run: (tx: DbOrTx) => Promise<T>,
): Promise<{ body: T; replayed: boolean }> {
  const { userId, key } = scope;
  if (key === undefined) return { body: await run(db), replayed: false };
  return db.transaction(async (tx) => {
    if (!(await tryLockIdempotencyKey(tx, userId, key))) throw inProgress();
    const hash = requestHash(scope.payload);
    const reservation = await reserveIdempotencyKey(tx, userId, key, hash, IDEMPOTENCY_KEY_TTL_SECONDS);
    if (!reservation.reserved) return { body: storedResult<T>(reservation.existing, hash), replayed: true };
    const body = await run(tx);
    await saveIdempotentResponse(tx, userId, key, { status, body });
    return { body, replayed: false };
  });
}

function storedResult<T>(record: IdempotencyRecord, hash: string): T {
  if (record.requestHash !== hash) {
    throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body; use a new key');
  }
  if (record.responseStatus === null) throw inProgress();
  return record.responseBody as T;
}

const inProgress = () =>
  conflict('A request with this Idempotency-Key is still being processed; retry shortly', 'idempotency_in_progress');

/** sha256 of the payload's JSON with sorted keys, so key order does not change the hash. */
export function requestHash(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(sortKeys(payload))).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key, sortKeys(item)]));
}
