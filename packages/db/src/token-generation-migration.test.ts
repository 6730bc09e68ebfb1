import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, insertUser, type TestDatabase } from '@autoposter/testing';

// Migration 0006's data step, run again on users as registration stored them before it.
const migration = readFileSync(new URL('../../../migrations/0006_token_generation.sql', import.meta.url), 'utf8');
const demotion = migration.split('--> statement-breakpoint')[1]!;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.destroy());

describe('migration 0006', () => {
  it('keeps admin stored only for the first user: ADMIN_EMAILS now applies per request', async () => {
    const first = await insertUser(db.db, { role: 'admin', createdAt: new Date('2026-01-01T00:00:00Z') });
    const listed = await insertUser(db.db, { role: 'admin', createdAt: new Date('2026-02-01T00:00:00Z') });
    const plain = await insertUser(db.db, { createdAt: new Date('2026-03-01T00:00:00Z') });
    await db.pool.query(demotion);
    const { rows } = await db.pool.query<{ id: string; role: string; token_generation: number }>('select id, role, token_generation from users');
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(first.id)).toMatchObject({ role: 'admin', token_generation: 0 });
    expect(byId.get(listed.id)?.role).toBe('user');
    expect(byId.get(plain.id)?.role).toBe('user');
  });
});
