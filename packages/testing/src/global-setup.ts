import type { TestProject } from 'vitest/node';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations, withConnection } from '@autoposter/db';
import { startContainersIfNeeded } from './containers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseAdminUrl: string;
    templateDatabase: string;
    redisUrl: string;
  }
}

/**
 * Runs once per project of a `vitest run`: migrates a template database that every test file clones
 * (CREATE DATABASE ... TEMPLATE is a file copy, far faster than migrating per file).
 */
export default async function setup(project: TestProject) {
  const { databaseUrl, redisUrl, stop } = await startContainersIfNeeded();
  // Once per project of the run (the suite, the whole-stack files): each its own template.
  const template = `autoposter_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await dropStaleTestDatabases(admin);
  await admin.query(`create database "${template}"`);
  await runMigrations(withDatabase(databaseUrl, template));
  await admin.end();

  project.provide('databaseAdminUrl', databaseUrl);
  project.provide('templateDatabase', template);
  project.provide('redisUrl', redisUrl);

  return async () => {
    await withConnection(databaseUrl, (client) => client.query(`drop database if exists "${template}" with (force)`));
    await stop();
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Test databases left behind by killed runs (older than an hour) would slowly fill the disk. */
async function dropStaleTestDatabases(admin: pg.Client) {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database
      where (datname like 'autoposter\\_tpl\\_%' or datname like 'autoposter\\_t\\_%')
        and (pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification < now() - interval '1 hour'`,
  ).catch(() => ({ rows: [] as { datname: string }[] }));
  for (const { datname } of rows) {
    await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
  }
}
