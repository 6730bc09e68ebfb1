import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { deliveries, deliveryAttempts, posts } from '../schema.ts';
import type { ErrorType } from '../statuses.ts';

/** A failed attempt, as the error-log view lists it. */
export interface ErrorLogRow {
  attemptId: string;
  postId: string;
  /** The title, or the start of the body for posts without one. */
  postTitle: string;
  deliveryId: string;
  channel: string;
  errorType: string;
  errorMessage: string | null;
  stackTrace: string | null;
  screenshotArtifactId: string | null;
  pageHtmlArtifactId: string | null;
  /** When the attempt ended, or began if it never recorded an end. */
  occurredAt: Date;
}

/** The owner's attempts that ended in an error, newest first; posts that were deleted are left out. */
export async function listErrorLogs(
  db: DbOrTx,
  userId: string,
  options: { postId?: string; errorType?: ErrorType; limit: number },
): Promise<ErrorLogRow[]> {
  const occurredAt = sql<Date>`coalesce(${deliveryAttempts.finishedAt}, ${deliveryAttempts.startedAt})`.mapWith(
    deliveryAttempts.startedAt,
  );
  const conditions = [eq(deliveryAttempts.userId, userId), isNotNull(deliveryAttempts.errorType), isNull(posts.deletedAt)];
  if (options.postId) conditions.push(eq(deliveries.postId, options.postId));
  if (options.errorType) conditions.push(eq(deliveryAttempts.errorType, options.errorType));
  return db
    .select({
      attemptId: deliveryAttempts.id,
      postId: deliveries.postId,
      postTitle: sql<string>`coalesce(${posts.title}, left(${posts.body}, 80))`,
      deliveryId: deliveryAttempts.deliveryId,
      channel: deliveries.channel,
      errorType: sql<string>`${deliveryAttempts.errorType}`,
      errorMessage: deliveryAttempts.errorMessage,
      stackTrace: deliveryAttempts.stackTrace,
      screenshotArtifactId: deliveryAttempts.screenshotArtifactId,
      pageHtmlArtifactId: deliveryAttempts.pageHtmlArtifactId,
      occurredAt,
    })
    .from(deliveryAttempts)
    .innerJoin(deliveries, eq(deliveries.id, deliveryAttempts.deliveryId))
    .innerJoin(posts, eq(posts.id, deliveries.postId))
    .where(and(...conditions))
    .orderBy(desc(occurredAt), desc(deliveryAttempts.id))
    .limit(options.limit);
}
