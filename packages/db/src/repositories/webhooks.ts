import { and, arrayOverlaps, desc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { webhookCalls, webhooks } from '../schema.ts';
import type { WebhookEventType } from '../statuses.ts';

export type WebhookRow = typeof webhooks.$inferSelect;
export type WebhookCallRow = typeof webhookCalls.$inferSelect;

export async function createWebhook(
  db: DbOrTx,
  userId: string,
  input: { url: string; events: WebhookEventType[]; secretEncrypted: string },
): Promise<WebhookRow> {
  const [row] = await db.insert(webhooks).values({ userId, ...input }).returning();
  return row!;
}

export function listWebhooks(db: DbOrTx, userId: string): Promise<WebhookRow[]> {
  return db.select().from(webhooks).where(eq(webhooks.userId, userId)).orderBy(desc(webhooks.createdAt), desc(webhooks.id));
}

export async function findWebhook(db: DbOrTx, userId: string, webhookId: string): Promise<WebhookRow | null> {
  const [row] = await db.select().from(webhooks).where(and(eq(webhooks.userId, userId), eq(webhooks.id, webhookId)));
  return row ?? null;
}

/** True when it existed (its recorded calls go with it). */
export async function deleteWebhook(db: DbOrTx, userId: string, webhookId: string): Promise<boolean> {
  const deleted = await db.delete(webhooks).where(and(eq(webhooks.userId, userId), eq(webhooks.id, webhookId))).returning({ id: webhooks.id });
  return deleted.length > 0;
}

/** The webhooks of these users that subscribe to any of these types (the notifier, per batch of events). */
export function webhooksSubscribedBy(db: DbOrTx, userIds: string[], types: WebhookEventType[]): Promise<WebhookRow[]> {
  if (userIds.length === 0 || types.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(webhooks)
    .where(and(inArray(webhooks.userId, userIds), arrayOverlaps(webhooks.events, types)));
}

export async function recordWebhookCall(db: DbOrTx, call: typeof webhookCalls.$inferInsert): Promise<void> {
  await db.insert(webhookCalls).values(call);
}

/** A webhook's calls, newest first; empty when the webhook is not the user's. */
export function listWebhookCalls(db: DbOrTx, userId: string, webhookId: string, limit: number): Promise<WebhookCallRow[]> {
  return db
    .select({ call: webhookCalls })
    .from(webhookCalls)
    .innerJoin(webhooks, eq(webhooks.id, webhookCalls.webhookId))
    .where(and(eq(webhooks.userId, userId), eq(webhookCalls.webhookId, webhookId)))
    .orderBy(desc(webhookCalls.createdAt), desc(webhookCalls.id))
    .limit(limit)
    .then((rows) => rows.map((r) => r.call));
}

/** The notifier's read when it makes a call (its job carries the webhook id only). */
export async function findWebhookForCall(db: DbOrTx, webhookId: string): Promise<WebhookRow | null> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, webhookId));
  return row ?? null;
}
