import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';

/**
 * The repository's migrations; a copy of this package deployed on its own (the Docker images,
 * made with `pnpm deploy`) carries them in its own `migrations` directory instead.
 */
const ownMigrations = new URL('../migrations', import.meta.url);
export const migrationsFolder = fileURLToPath(existsSync(ownMigrations) ? ownMigrations : new URL('../../../migrations', import.meta.url));

// Any fixed number works; it only has to be the same for every replica.
const MIGRATION_LOCK_ID = 7_246_215_001;

/** Applies pending migrations under an advisory lock, so replicas starting together migrate once. */
export async function runMigrations(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'migrate' });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}
