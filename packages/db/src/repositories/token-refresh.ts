import { and, asc, eq, isNull, lt } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { accounts } from '../schema.ts';
import type { Account } from './accounts.ts';

/**
 * Instagram accounts (of every owner: a system sweep, like dispatch) whose session was stored
 * before `storedBefore`, oldest first. The caller reads their credentials to keep only the
 * Instagram Login ones, whose tokens expire.
 */
export async function listInstagramSessionsStoredBefore(db: DbOrTx, storedBefore: Date): Promise<Account[]> {
  return db
    .select()
    .from(accounts)
    .where(and(eq(accounts.kind, 'instagram_business'), isNull(accounts.deletedAt), lt(accounts.sessionUpdatedAt, storedBefore)))
    .orderBy(asc(accounts.sessionUpdatedAt));
}
