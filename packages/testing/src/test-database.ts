import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDatabase, withConnection, type Database } from '@autoposter/db';
import { withDatabase } from './global-setup.ts';

export interface TestDatabase extends Database {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  destroy(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('databaseAdminUrl');
  const name = `autoposter_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database "${name}" template "${inject('templateDatabase')}"`);
  const url = withDatabase(adminUrl, name);
  const database = createDatabase({ url, poolMax: 10, applicationName: 'test' });
  return {
    ...database,
    url,
    name,
    async destroy() {
      await database.close();
      await adminQuery(adminUrl, `drop database if exists "${name}" with (force)`);
    },
  };
}

const adminQuery = (url: string, sql: string) => withConnection(url, (client) => client.query(sql));
