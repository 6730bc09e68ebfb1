import { getTableColumns, type Table } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { QueryResult, QueryResultRow } from 'pg';
import type { DbOrTx } from '../client.ts';

/** Fixed SQL with a name: each connection parses and plans it once. */
export interface NamedStatement {
  name: string;
  text: string;
}

export type ColumnList = [string, PgColumn][];

export const columnsOf = (table: Table): ColumnList => Object.entries(getTableColumns(table));

/** Named, not `*`: a column added later must not change what a prepared statement returns. */
export const columnList = (columns: ColumnList, qualifier?: string) =>
  columns.map(([, column]) => (qualifier ? `${qualifier}."${column.name}"` : `"${column.name}"`)).join(', ');

/** For a row turned into JSON: a numeric keeps its digits only as text ("12.50", as node-postgres reads it). */
export const jsonColumnList = (columns: ColumnList, qualifier: string) =>
  columns
    .map(([, column]) => `${qualifier}."${column.name}"${column.columnType === 'PgNumeric' ? `::text as "${column.name}"` : ''}`)
    .join(', ');

/** A row as Postgres sent it (snake_case; text or JSON values) mapped as a drizzle select maps it. */
export function fromDriverRow<Row>(columns: ColumnList, raw: Record<string, unknown>): Row {
  const row: Record<string, unknown> = {};
  for (const [key, column] of columns) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as Row;
}

/**
 * One result per input of a statement over arrays (`unnest(...) with ordinality`): each row
 * carries its input's 1-based `ord`; inputs without a row get null.
 */
export function inInputOrder<Result>(
  inputCount: number,
  rows: Record<string, unknown>[],
  toResult: (row: Record<string, unknown>) => Result,
): (Result | null)[] {
  const results: (Result | null)[] = Array.from({ length: inputCount }, () => null);
  for (const row of rows) results[Number(row.ord) - 1] = toResult(row);
  return results;
}

/**
 * Runs fixed SQL as a named prepared statement: each connection parses and plans it once, and no
 * query is built per call (`db.execute` cannot name a statement; the session's prepareQuery can).
 */
export async function runStatement<Row extends QueryResultRow>(db: DbOrTx, statement: NamedStatement, params: unknown[]): Promise<Row[]> {
  const query = db._.session.prepareQuery<{ execute: QueryResult<Row>; all: unknown; values: unknown }>(
    { sql: statement.text, params },
    undefined,
    statement.name,
    false,
  );
  return (await query.execute()).rows;
}
