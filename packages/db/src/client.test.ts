import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@autoposter/testing';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

// Found by the Postgres-outage drill: a worker exited when its connections were cut mid-transaction.
it('survives losing a checked-out connection between two queries: the next query fails, the pool goes on', async () => {
  const client = await database.pool.connect();
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  await database.pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
  // No query is under way on the client while its connection goes: nothing else can catch the error.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await expect(client.query('select 1')).rejects.toThrow();
  client.release();
  const after = await database.pool.query<{ ok: number }>('select 1 as ok');
  expect(after.rows[0]!.ok).toBe(1);
});
