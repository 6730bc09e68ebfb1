import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { media } from '../schema.ts';

export type Media = typeof media.$inferSelect;
export type NewMedia = Omit<typeof media.$inferInsert, 'userId' | 'createdAt'>;

export async function createMedia(db: DbOrTx, userId: string, values: NewMedia): Promise<Media> {
  const [row] = await db
    .insert(media)
    .values({ ...values, userId })
    .returning();
  return row!;
}

export async function findMedia(db: DbOrTx, userId: string, id: string): Promise<Media | null> {
  const [row] = await db
    .select()
    .from(media)
    .where(and(eq(media.userId, userId), eq(media.id, id)));
  return row ?? null;
}

/**
 * The one lookup without an owner: only for a request whose signed URL was verified,
 * since the signature is what grants access.
 */
export async function findMediaForSignedUrl(db: DbOrTx, id: string): Promise<Media | null> {
  const [row] = await db.select().from(media).where(eq(media.id, id));
  return row ?? null;
}

/** Sets (or clears, with null) an image's alternative text; null when it is not the caller's. */
export async function setMediaAltText(db: DbOrTx, userId: string, id: string, altText: string | null): Promise<Media | null> {
  const [row] = await db
    .update(media)
    .set({ altText })
    .where(and(eq(media.userId, userId), eq(media.id, id)))
    .returning();
  return row ?? null;
}

/** The caller's media among `ids` (missing ones are left out), for the channel checks that need sizes. */
export async function listMediaByIds(db: DbOrTx, userId: string, ids: string[]): Promise<Media[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(media)
    .where(and(eq(media.userId, userId), inArray(media.id, ids)));
}
