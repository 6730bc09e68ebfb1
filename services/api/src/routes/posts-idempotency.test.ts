import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryLockIdempotencyKey } from '@autoposter/db/repositories/idempotency';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { countPosts, createPoster, type Poster } from '../posts/post-test-helpers.ts';

let api: TestApi;
let alice: Poster;
let bob: Poster;

beforeAll(async () => {
  api = await createTestApi();
  [alice, bob] = await Promise.all([createPoster(api), createPoster(api)]);
});
afterAll(() => api.close());

const withKey = (key: string) => ({ 'idempotency-key': key });

describe('Idempotency-Key on POST /api/posts', () => {
  it('replays the first result for the same key and body, without a second post', async () => {
    const key = randomUUID();
    const before = await countPosts(api, alice.userId);
    const first = await alice.post(alice.fullBody(), withKey(key));
    const second = await alice.post(alice.fullBody(), withKey(key));
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(await countPosts(api, alice.userId)).toBe(before + 1);
  });

  it('treats the same body with its keys in another order as the same request', async () => {
    const key = randomUUID();
    const body = alice.pageBody({ title: 'Ordered' });
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const first = await alice.post(body, withKey(key));
    const second = await alice.post(reordered, withKey(key));
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
  });

  it('answers 422 idempotency_key_reused for the same key with another body', async () => {
    const key = randomUUID();
    await alice.post(alice.pageBody({ body: 'first' }), withKey(key));
    const before = await countPosts(api, alice.userId);
    const res = await alice.post(alice.pageBody({ body: 'second' }), withKey(key));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'idempotency_key_reused', error: expect.stringContaining('Idempotency-Key') });
    expect(await countPosts(api, alice.userId)).toBe(before);
  });

  it('creates one post when identical requests arrive at once', async () => {
    const key = randomUUID();
    const before = await countPosts(api, alice.userId);
    const responses = await Promise.all(Array.from({ length: 6 }, () => alice.post(alice.fullBody(), withKey(key))));
    expect(await countPosts(api, alice.userId)).toBe(before + 1);
    const created = responses.filter((res) => res.statusCode === 201);
    const busy = responses.filter((res) => res.statusCode === 409);
    expect(created.length + busy.length).toBe(responses.length);
    expect(created.filter((res) => res.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    expect(new Set(created.map((res) => res.json().id)).size).toBe(1);
    for (const res of busy) expect(res.json()).toMatchObject({ code: 'idempotency_in_progress' });
  });

  it('answers 409 idempotency_in_progress while the same key is being processed', async () => {
    const key = randomUUID();
    await api.db.db.transaction(async (tx) => {
      expect(await tryLockIdempotencyKey(tx, alice.userId, key)).toBe(true);
      const res = await alice.post(alice.pageBody(), withKey(key));
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'idempotency_in_progress' });
    });
    expect((await alice.post(alice.pageBody(), withKey(key))).statusCode).toBe(201);
  });

  it('treats a key older than 24 hours as unused, then replays the new result', async () => {
    const key = randomUUID();
    const old = await alice.post(alice.pageBody({ body: 'old' }), withKey(key));
    await api.db.pool.query(
      "update idempotency_keys set created_at = now() - interval '25 hours' where user_id = $1 and key = $2",
      [alice.userId, key],
    );
    const fresh = await alice.post(alice.pageBody({ body: 'new' }), withKey(key));
    expect(fresh.statusCode).toBe(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(fresh.json().id).not.toBe(old.json().id);
    const replay = await alice.post(alice.pageBody({ body: 'new' }), withKey(key));
    expect(replay.json().id).toBe(fresh.json().id);
  });

  it('does not spend the key on a refused request', async () => {
    const key = randomUUID();
    const refused = await alice.post(alice.pageBody({ link: 'not a url' }), withKey(key));
    expect(refused.statusCode).toBe(400);
    const accepted = await alice.post(alice.pageBody(), withKey(key));
    expect(accepted.statusCode).toBe(201);
    expect(accepted.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keeps keys apart per user', async () => {
    const key = randomUUID();
    const mine = await alice.post(alice.pageBody(), withKey(key));
    const theirs = await bob.post(bob.pageBody(), withKey(key));
    expect(theirs.statusCode).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json().id).not.toBe(mine.json().id);
  });

  it('creates a post per request without a key', async () => {
    const before = await countPosts(api, alice.userId);
    await alice.post(alice.pageBody());
    await alice.post(alice.pageBody());
    expect(await countPosts(api, alice.userId)).toBe(before + 2);
  });

  it('refuses an empty key', async () => {
    const res = await alice.post(alice.pageBody(), withKey(''));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('idempotency-key');
  });
});
