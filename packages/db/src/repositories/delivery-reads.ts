import { and, asc, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { artifacts, deliveries, deliveryAttempts, deliveryLogs, posts } from '../schema.ts';
import type { LogLevel } from '../statuses.ts';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type DeliveryAttemptRow = typeof deliveryAttempts.$inferSelect;
export type DeliveryLogRow = typeof deliveryLogs.$inferSelect;
export type ArtifactRow = typeof artifacts.$inferSelect;

/** The owner's delivery with its attempts in order; null when it is not theirs or its post was deleted. */
export async function findDeliveryWithAttempts(
  db: DbOrTx,
  userId: string,
  deliveryId: string,
): Promise<{ delivery: DeliveryRow; attempts: DeliveryAttemptRow[] } | null> {
  const delivery = await findVisibleDelivery(db, userId, deliveryId);
  if (!delivery) return null;
  const attempts = await db
    .select()
    .from(deliveryAttempts)
    .where(and(eq(deliveryAttempts.deliveryId, deliveryId), eq(deliveryAttempts.userId, userId)))
    .orderBy(asc(deliveryAttempts.attemptNo));
  return { delivery, attempts };
}

/** The owner's delivery logs in the order they were written; null when the delivery is not visible to them. */
export async function listDeliveryLogs(
  db: DbOrTx,
  userId: string,
  deliveryId: string,
  options: { level?: LogLevel } = {},
): Promise<DeliveryLogRow[] | null> {
  if (!(await findVisibleDelivery(db, userId, deliveryId))) return null;
  const conditions = [eq(deliveryLogs.deliveryId, deliveryId)];
  if (options.level) conditions.push(eq(deliveryLogs.level, options.level));
  return db
    .select()
    .from(deliveryLogs)
    .where(and(...conditions))
    .orderBy(asc(deliveryLogs.id));
}

export async function findArtifact(db: DbOrTx, userId: string, artifactId: string): Promise<ArtifactRow | null> {
  const [artifact] = await db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.id, artifactId), eq(artifacts.userId, userId)));
  return artifact ?? null;
}

async function findVisibleDelivery(db: DbOrTx, userId: string, deliveryId: string): Promise<DeliveryRow | null> {
  const [row] = await db
    .select({ delivery: deliveries })
    .from(deliveries)
    .innerJoin(posts, eq(posts.id, deliveries.postId))
    .where(and(eq(deliveries.id, deliveryId), eq(deliveries.userId, userId), isNull(posts.deletedAt)));
  return row?.delivery ?? null;
}
