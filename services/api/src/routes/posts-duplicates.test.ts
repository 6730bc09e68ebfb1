import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPost } from '@autoposter/testing';
import { createPoster, type Poster } from '../posts/post-test-helpers.ts';
import { createTestApi, type TestApi } from '../test/test-app.ts';

let api: TestApi;
let poster: Poster;

beforeAll(async () => {
  api = await createTestApi();
  poster = await createPoster(api);
});
afterAll(() => api.close());

/** An earlier post of `poster`, published `daysAgo` to the given target. */
async function published(content: { title?: string | null; body: string }, target: { channel: 'marketplace' | 'facebook_page' | 'facebook_group'; accountId: string; targetId?: string }, daysAgo: number) {
  const post = await insertPost(api.db.db, poster.userId, [{ ...target, status: 'posted' }], { title: content.title ?? null, body: content.body });
  await api.db.pool.query(`update deliveries set posted_at = now() - make_interval(days => $2::int) - interval '1 minute' where post_id = $1`, [post.post.id, daysAgo]);
  return post.post.id;
}

describe('POST /api/posts duplicate warning', () => {
  it('warns when the same text was published to the same Page in the last 7 days, and still creates the post', async () => {
    const earlier = await published({ body: 'Spring sale on all chairs' }, { channel: 'facebook_page', accountId: poster.accounts.page }, 2);
    const response = await poster.post(poster.pageBody({ body: 'Spring sale on all chairs' }));
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.id).toBeTruthy();
    expect(body.warnings).toEqual([{ code: 'possible_duplicate', post_id: earlier, message: expect.stringMatching(/same text was published to facebook_page/) }]);
  });

  it('says nothing when the earlier one is older than 7 days, went elsewhere, or only differs', async () => {
    await published({ body: 'Old news' }, { channel: 'facebook_page', accountId: poster.accounts.page }, 8);
    expect((await poster.post(poster.pageBody({ body: 'Old news' }))).json().warnings).toBeUndefined();
    await published({ body: 'Group only' }, { channel: 'facebook_group', accountId: poster.accounts.browser, targetId: 'g1' }, 1);
    expect((await poster.post(poster.pageBody({ body: 'Group only' }))).json().warnings).toBeUndefined();
    expect((await poster.post(poster.pageBody({ body: 'Spring sale on all chairs!' }))).json().warnings).toBeUndefined();
  });

  it('compares the group for group posts and the title for Marketplace', async () => {
    await published({ body: 'Join us' }, { channel: 'facebook_group', accountId: poster.accounts.browser, targetId: 'g1' }, 1);
    const group = (targetId: string) => poster.post({ body: 'Join us', targets: [{ channel: 'facebook_group', account_id: poster.accounts.browser, target_id: targetId }] });
    expect((await group('g2')).json().warnings).toBeUndefined();
    expect((await group('g1')).json().warnings).toHaveLength(1);

    await published({ title: 'Oak table', body: 'Seats six' }, { channel: 'marketplace', accountId: poster.accounts.browser }, 3);
    const listing = (title: string) =>
      poster.post({ title, body: 'Seats six', price: 10, media_ids: [poster.media.image], targets: [{ channel: 'marketplace', account_id: poster.accounts.browser }] });
    expect((await listing('Pine table')).json().warnings).toBeUndefined();
    const warned = (await listing('Oak table')).json();
    expect(warned.warnings[0].message).toMatch(/same title and text/);
  });

  it("never looks at another user's posts", async () => {
    const other = await createPoster(api);
    await insertPost(api.db.db, other.userId, [{ channel: 'facebook_page', accountId: other.accounts.page, status: 'posted' }], { body: 'Mine alone' });
    await api.db.pool.query(`update deliveries set posted_at = now() where user_id = $1`, [other.userId]);
    expect((await poster.post(poster.pageBody({ body: 'Mine alone' }))).json().warnings).toBeUndefined();
  });

  it('answers an Idempotency-Key replay with the first post and no second warning lookup', async () => {
    await published({ body: 'Replayed' }, { channel: 'facebook_page', accountId: poster.accounts.page }, 1);
    const first = await poster.post(poster.pageBody({ body: 'Replayed' }), { 'idempotency-key': 'dup-key-1' });
    const again = await poster.post(poster.pageBody({ body: 'Replayed' }), { 'idempotency-key': 'dup-key-1' });
    expect(first.json().warnings).toHaveLength(1);
    expect(again.json().id).toBe(first.json().id);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });
});
