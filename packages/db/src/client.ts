import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.ts';

export type Db = NodePgDatabase<typeof schema>;
/** A Db or a transaction on it: repositories accept either. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolMax?: number;
  applicationName?: string;
  /**
   * Connections that stay open however long the pool idles (a worker waiting for the next due
   * delivery would otherwise lose them, with their prepared statements, after 10 s).
   */
  keepOpen?: number;
  /**
   * Plan every prepared statement once per connection (`plan_cache_mode = force_generic_plan`).
   * For statements over arrays of varying length (the worker's batches), Postgres would
   * otherwise judge each custom plan cheaper than the generic one and re-plan on every call.
   */
  genericPlans?: boolean;
}

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    min: options.keepOpen ?? 0,
    application_name: options.applicationName,
    ...(options.genericPlans ? { options: '-c plan_cache_mode=force_generic_plan' } : {}),
  });
  // A client losing its connection must not crash the process. Idle, the pool reports it here
  // and replaces it. Checked out (inside a transaction, between two of its queries) it has no
  // listener of the pool's, and an 'error' nobody listens to is an uncaught exception: the
  // query under way or the next one fails instead, and the pool drops the client on release.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

/** Opens `count` connections now, so the first burst of work does not wait for them. */
export async function openConnections(pool: pg.Pool, count: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  for (const client of clients) client.release();
}

/** True when Postgres answers; used by /readyz. */
export async function isDatabaseReachable(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('select 1');
    return true;
  } catch {
    return false;
  }
}

/** One connection of its own for `use` (admin statements, scripts, drills), closed whatever happens. */
export async function withConnection<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
