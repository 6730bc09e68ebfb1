import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/**
 * Keyset position in a newest-first listing. `createdAt` is text with Postgres' microseconds:
 * a JS Date would drop them, and rows created within one millisecond would be skipped.
 */
export interface PagePosition {
  createdAt: string;
  id: string;
}

/** created_at rendered with microseconds, to select beside the row. */
export const positionOf = (createdAt: AnyColumn): SQL<string> =>
  sql<string>`to_char(${createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Rows strictly after `position` in (created_at desc, id desc) order. */
export const olderThan = (createdAt: AnyColumn, id: AnyColumn, position: PagePosition): SQL =>
  sql`(${createdAt}, ${id}) < (${position.createdAt}::timestamptz, ${position.id}::uuid)`;
