import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { accounts, deliveries } from '../schema.ts';

/** An account's session facts and delivery counts. `credentialsEncrypted` is there to tell whether a session exists: never send it. */
export interface AccountStatsRow {
  id: string;
  name: string;
  email: string | null;
  kind: string;
  credentialsEncrypted: string;
  sessionUpdatedAt: Date;
  sessionValid: boolean | null;
  sessionCheckTemporaryFailure: boolean;
  cooldownUntil: Date | null;
  totalDeliveries: number;
  postedDeliveries: number;
  failedDeliveries: number;
}

/** The owner's live accounts, oldest first, each with its delivery counts: one query. */
export async function listAccountStats(db: DbOrTx, userId: string): Promise<AccountStatsRow[]> {
  return db
    .select({
      id: accounts.id,
      name: accounts.name,
      email: accounts.email,
      kind: accounts.kind,
      credentialsEncrypted: accounts.credentialsEncrypted,
      sessionUpdatedAt: accounts.sessionUpdatedAt,
      sessionValid: accounts.sessionValid,
      sessionCheckTemporaryFailure: accounts.sessionCheckTemporaryFailure,
      cooldownUntil: accounts.cooldownUntil,
      totalDeliveries: sql<number>`count(${deliveries.id})::int`,
      postedDeliveries: sql<number>`(count(*) filter (where ${deliveries.status} = 'posted'))::int`,
      failedDeliveries: sql<number>`(count(*) filter (where ${deliveries.status} = 'failed'))::int`,
    })
    .from(accounts)
    .leftJoin(deliveries, eq(deliveries.accountId, accounts.id))
    .where(and(eq(accounts.userId, userId), isNull(accounts.deletedAt)))
    .groupBy(accounts.id)
    .orderBy(asc(accounts.createdAt), asc(accounts.id));
}
