import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, insertAccount, insertPost, insertUser, testKeyring, type TestDatabase } from '@autoposter/testing';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.destroy());

const statusOf = async (postId: string) =>
  (await db.pool.query<{ status: string }>('select status from posts where id = $1', [postId])).rows[0]!.status;

describe('post status derived from deliveries', () => {
  it.each([
    [['pending', 'pending'], 'pending'],
    [['scheduled', 'pending'], 'scheduled'],
    [['queued', 'scheduled'], 'processing'],
    [['retrying', 'posted'], 'processing'],
    [['posted', 'posted'], 'published'],
    [['posted', 'canceled'], 'published'],
    [['posted', 'failed'], 'partial'],
    [['failed', 'failed'], 'failed'],
    [['failed', 'canceled'], 'failed'],
    [['canceled', 'canceled'], 'canceled'],
  ] as const)('%j -> %s', async (statuses, expected) => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id, 'facebook_page');
    const { post } = await insertPost(db.db, user.id, statuses.map((status) => ({ channel: 'facebook_page' as const, accountId: account.id, status })));
    expect(await statusOf(post.id)).toBe(expected);
  });

  // Each row: the two deliveries' statuses before and after, and the post's status after both commit.
  it.each([
    { before: ['processing', 'processing'], after: ['posted', 'failed'], expected: 'partial' },
    // The first change derives nothing (a queued delivery makes its post processing): it must still hold the post.
    { before: ['scheduled', 'processing'], after: ['queued', 'posted'], expected: 'processing' },
    { before: ['processing', 'scheduled'], after: ['posted', 'queued'], expected: 'processing' },
  ] as const)('stays right when two deliveries of one post change at the same moment: $before -> $after', async ({ before, after, expected }) => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id, 'facebook_page');
    for (let round = 0; round < 20; round++) {
      const { post, deliveries } = await insertPost(
        db.db,
        user.id,
        before.map((status) => ({ channel: 'facebook_page' as const, accountId: account.id, status })),
      );
      const [a, b] = await Promise.all([db.pool.connect(), db.pool.connect()]);
      try {
        await a.query('begin');
        await b.query('begin');
        await a.query('update deliveries set status = $2 where id = $1', [deliveries[0]!.id, after[0]]);
        const second = b.query('update deliveries set status = $2 where id = $1', [deliveries[1]!.id, after[1]]);
        await a.query('commit');
        await second;
        await b.query('commit');
      } finally {
        a.release();
        b.release();
      }
      expect(await statusOf(post.id)).toBe(expected);
    }
  });
});
