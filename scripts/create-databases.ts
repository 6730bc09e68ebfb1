// Usage: tsx scripts/create-databases.ts postgres://user@host:5432/name...
// Creates each named database that does not exist yet (connecting to the server's `postgres` database).
import pg from 'pg';

async function createDatabaseIfMissing(url: string): Promise<void> {
  const server = new URL(url);
  const name = decodeURIComponent(server.pathname.slice(1));
  server.pathname = '/postgres';
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

for (const url of process.argv.slice(2)) await createDatabaseIfMissing(url);
