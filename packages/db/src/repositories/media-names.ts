import { and, desc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { media } from '../schema.ts';

/** The owner's newest upload of each file name, for imports that name images by file. */
export async function findMediaIdsByName(db: DbOrTx, userId: string, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([media.originalName], { id: media.id, name: media.originalName })
    .from(media)
    .where(and(eq(media.userId, userId), inArray(media.originalName, names)))
    .orderBy(media.originalName, desc(media.createdAt));
  return new Map(rows.map((row) => [row.name!, row.id]));
}
