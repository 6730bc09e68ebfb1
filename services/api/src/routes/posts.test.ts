import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMedia, insertPost } from '@autoposter/testing';
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

const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
const get = (poster: Poster, url: string) => api.app.inject({ method: 'GET', url, headers: poster.headers });
const patch = (poster: Poster, id: string, payload: unknown) =>
  api.app.inject({ method: 'PATCH', url: `/api/posts/${id}`, headers: poster.headers, payload: payload as object });
const remove = (poster: Poster, id: string) => api.app.inject({ method: 'DELETE', url: `/api/posts/${id}`, headers: poster.headers });

async function createdPost(poster: Poster, payload: Record<string, unknown>) {
  const res = await poster.post(payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function deliveryRows(postId: string) {
  const { rows } = await api.db.pool.query(
    'select channel, status, due_at from deliveries where post_id = $1 order by created_at, id',
    [postId],
  );
  return rows;
}

describe('POST /api/posts', () => {
  it('creates a post with one pending delivery per target, in target order', async () => {
    const body = alice.fullBody();
    const post = await createdPost(alice, body);
    expect(post).toMatchObject({
      title: 'Oak table',
      body: body.body,
      price: 120.5,
      currency: 'EUR',
      category: 'furniture',
      condition: 'used_good',
      location: 'Lyon',
      link: 'https://example.com/table',
      media_ids: [alice.media.image, alice.media.secondImage],
      video_media_id: null,
      scheduled_at: null,
      status: 'pending',
    });
    expect(post.deliveries).toEqual(
      (body.targets as { channel: string; account_id: string; target_id?: string }[]).map((target) => ({
        id: expect.any(String),
        channel: target.channel,
        account_id: target.account_id,
        target_id: target.target_id ?? null,
        status: 'pending',
        attempt_count: 0,
        next_attempt_at: null,
        last_error_type: null,
        last_error_message: null,
        provider_post_id: null,
        permalink: null,
        posted_at: null,
      })),
    );
    const fetched = await get(alice, `/api/posts/${post.id}`);
    expect(fetched.json()).toEqual(post);
  });

  it('schedules every delivery when scheduled_at is given, and the post status follows', async () => {
    const scheduledAt = inHours(2);
    const post = await createdPost(alice, { ...alice.fullBody(), scheduled_at: scheduledAt });
    expect(post.status).toBe('scheduled');
    expect(post.scheduled_at).toBe(scheduledAt);
    const rows = await deliveryRows(post.id);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.status).toBe('scheduled');
      expect(row.due_at.toISOString()).toBe(scheduledAt);
    }
  });

  it('accepts ids in upper case', async () => {
    const post = await createdPost(alice, {
      body: 'Shouting ids',
      media_ids: [alice.media.image.toUpperCase()],
      targets: [{ channel: 'instagram', account_id: alice.accounts.instagram.toUpperCase() }],
    });
    expect(post.deliveries[0].account_id).toBe(alice.accounts.instagram);
    expect(post.media_ids).toEqual([alice.media.image]);
  });

  it('accepts an Instagram post with only a video', async () => {
    const post = await createdPost(alice, {
      body: 'Reel',
      video_media_id: alice.media.video,
      targets: [{ channel: 'instagram', account_id: alice.accounts.instagram }],
    });
    expect(post.video_media_id).toBe(alice.media.video);
  });

  it('answers 401 without a token and with a bad one', async () => {
    const without = await api.app.inject({ method: 'POST', url: '/api/posts', payload: alice.pageBody() });
    expect(without.statusCode).toBe(401);
    expect(without.json()).toMatchObject({ code: 'unauthorized', error: expect.any(String) });
    const forged = await api.app.inject({
      method: 'POST',
      url: '/api/posts',
      headers: { authorization: 'Bearer not.a.jwt' },
      payload: alice.pageBody(),
    });
    expect(forged.statusCode).toBe(401);
  });

  describe('refuses input that does not match the schema with a 400 naming the field', () => {
    const pageTarget = () => ({ channel: 'facebook_page', account_id: alice.accounts.page });
    it.each<[string, () => Record<string, unknown>, string]>([
      ['a body that is not text', () => alice.pageBody({ body: { text: 'x' } }), 'body.body'],
      ['a missing body', () => ({ targets: [pageTarget()] }), 'body.body'],
      ['a price that is not a number', () => alice.pageBody({ price: 'cheap' }), 'body.price'],
      ['a negative price', () => alice.pageBody({ price: -1 }), 'body.price'],
      ['targets that are not an array', () => alice.pageBody({ targets: 'facebook_page' }), 'body.targets'],
      ['no targets', () => alice.pageBody({ targets: [] }), 'body.targets'],
      ['an unknown channel', () => alice.pageBody({ targets: [{ ...pageTarget(), channel: 'myspace' }] }), 'body.targets[0].channel'],
      ['an account id that is not a UUID', () => alice.pageBody({ targets: [{ ...pageTarget(), account_id: '42' }] }), 'body.targets[0].account_id'],
      ['a media id that is not a UUID', () => alice.pageBody({ media_ids: ['nope'] }), 'body.media_ids[0]'],
      ['a repeated media id', () => alice.pageBody({ media_ids: [alice.media.image, alice.media.image] }), 'body.media_ids'],
      ['an unknown field', () => alice.pageBody({ colour: 'red' }), 'body.colour'],
      ['an unknown target field', () => alice.pageBody({ targets: [{ ...pageTarget(), page: 'x' }] }), 'body.targets[0].page'],
      ['scheduled_at that is not a date-time', () => alice.pageBody({ scheduled_at: 'tomorrow' }), 'body.scheduled_at'],
      ['a NUL character, which Postgres cannot store', () => alice.pageBody({ targets: [{ ...pageTarget(), target_id: 'a\u0000' }] }), 'body.targets[0].target_id must not contain'],
    ])('%s', async (_, payload, field) => {
      const res = await alice.post(payload());
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation_error', error: expect.stringContaining(field) });
    });

    it('malformed JSON', async () => {
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/posts',
        headers: { ...alice.headers, 'content-type': 'application/json' },
        payload: '{"body": "x", "targets": [',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: expect.stringContaining('JSON'), code: expect.any(String) });
    });
  });

  describe('refuses content that breaks a business or channel rule with a 400 naming the field', () => {
    const target = (channel: string, account: keyof Poster['accounts'], extra: Record<string, unknown> = {}) => ({
      channel,
      account_id: alice.accounts[account],
      ...extra,
    });
    it.each<[string, () => Record<string, unknown>, string]>([
      ["another user's account", () => alice.pageBody({ targets: [{ channel: 'facebook_page', account_id: bob.accounts.page }] }), 'targets[0].account_id: account not found'],
      ['an account that does not exist', () => alice.pageBody({ targets: [{ channel: 'facebook_page', account_id: randomUUID() }] }), 'targets[0].account_id: account not found'],
      ['an account of the wrong kind', () => alice.pageBody({ targets: [target('facebook_page', 'page'), target('instagram', 'page')] }), 'targets[1].account_id: a facebook_page account cannot post to instagram'],
      ['a group target without a group id', () => alice.pageBody({ targets: [target('facebook_group', 'browser')] }), 'targets[0].target_id'],
      ['a target id on a non-group channel', () => alice.pageBody({ targets: [target('facebook_page', 'page', { target_id: '1' })] }), 'targets[0].target_id'],
      ['a duplicated target', () => alice.pageBody({ targets: [target('facebook_page', 'page'), target('facebook_page', 'page')] }), 'targets[1]: duplicates targets[0]'],
      ["another user's media", () => alice.pageBody({ media_ids: [bob.media.image] }), 'media_ids[0]: media not found'],
      ['a video among the images', () => alice.pageBody({ media_ids: [alice.media.image, alice.media.video] }), 'media_ids[1]: must be an image'],
      ['an image as the video', () => alice.pageBody({ video_media_id: alice.media.image }), 'video_media_id: must be a video'],
      ['scheduled_at in the past', () => alice.pageBody({ scheduled_at: inHours(-1) }), 'scheduled_at: must be in the future'],
      ['a marketplace post without a title', () => ({ ...alice.fullBody(), title: null }), 'title: marketplace needs a title'],
      ['a marketplace post without a price', () => ({ ...alice.fullBody(), price: undefined }), 'price: marketplace needs a price'],
      ['a marketplace post without a photo', () => ({ ...alice.fullBody(), media_ids: [] }), 'media_ids: marketplace needs at least one photo'],
      ['a currency that is not 3 letters', () => ({ ...alice.fullBody(), currency: 'EURO' }), 'currency: must be a 3-letter'],
      ['an instagram post without media', () => alice.pageBody({ targets: [target('instagram', 'instagram')] }), 'media_ids: instagram needs'],
      ['an instagram caption over 2200 characters', () => ({ ...alice.fullBody(), body: 'a'.repeat(2201) }), 'body: instagram captions allow at most 2200'],
      ['over 30 hashtags on instagram', () => ({ ...alice.fullBody(), body: Array.from({ length: 31 }, (_, i) => `#t${i}`).join(' ') }), 'body: instagram captions allow at most 30 hashtags'],
      ['a facebook_page body over 63206 characters', () => alice.pageBody({ body: 'a'.repeat(63_207) }), 'body: facebook_page allows at most 63206'],
      ['a link that is not http(s)', () => alice.pageBody({ link: 'ftp://example.com/file' }), 'link: must be an http(s) URL'],
    ])('%s', async (_, payload, message) => {
      const before = await countPosts(api, alice.userId);
      const res = await alice.post(payload());
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation_error', error: expect.stringContaining(message) });
      expect(await countPosts(api, alice.userId)).toBe(before);
    });

    it('refuses an instagram carousel over 10 images', async () => {
      const extra = await Promise.all(Array.from({ length: 9 }, () => insertMedia(api.db.db, alice.userId)));
      const media_ids = [alice.media.image, alice.media.secondImage, ...extra.map((m) => m.id)];
      const res = await alice.post({ ...alice.fullBody(), media_ids });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toContain('media_ids: an instagram carousel allows at most 10 items');
    });

    it("refuses a soft-deleted account", async () => {
      await api.db.pool.query('update accounts set deleted_at = now() where id = $1', [alice.accounts.page]);
      try {
        const res = await alice.post(alice.pageBody());
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toBe('targets[0].account_id: account not found');
      } finally {
        await api.db.pool.query('update accounts set deleted_at = null where id = $1', [alice.accounts.page]);
      }
    });

    it('lists every broken rule in details', async () => {
      const res = await alice.post({ ...alice.fullBody(), title: null, price: null, link: 'nope' });
      expect(res.json().details).toEqual(
        expect.arrayContaining([
          expect.stringContaining('link:'),
          expect.stringContaining('title:'),
          expect.stringContaining('price:'),
        ]),
      );
    });
  });
});

describe('GET /api/posts', () => {
  let carol: Poster;
  /** Carol's posts, newest first, as the listing must return them. */
  let expected: { id: string; channels: string[]; scheduled: boolean }[];

  beforeAll(async () => {
    carol = await createPoster(api);
    const bodies = [
      carol.pageBody(),
      carol.fullBody(),
      carol.pageBody({ scheduled_at: inHours(3) }),
      { body: 'group', targets: [{ channel: 'facebook_group', account_id: carol.accounts.browser, target_id: '77' }] },
      carol.pageBody(),
      carol.pageBody({ scheduled_at: inHours(5) }),
      carol.pageBody(),
    ];
    expected = [];
    for (const body of bodies) {
      const post = await createdPost(carol, body);
      expected.unshift({
        id: post.id,
        channels: post.deliveries.map((d: { channel: string }) => d.channel),
        scheduled: post.status === 'scheduled',
      });
    }
    // Two posts sharing a created_at must still page without gaps or repeats (the id breaks the tie).
    await api.db.pool.query('update posts set created_at = (select created_at from posts where id = $1) where id = $2', [
      expected[2]!.id,
      expected[3]!.id,
    ]);
    expected = [...expected.slice(0, 2), ...[expected[2]!, expected[3]!].sort((a, b) => (a.id < b.id ? 1 : -1)), ...expected.slice(4)];
    await createdPost(bob, bob.pageBody());
  });

  async function walk(query: string, limit: number) {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/posts?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await get(carol, url);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((item: { id: string }) => item.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    return { ids, pages };
  }

  it('pages through only the caller\'s posts, newest first, without gaps or repeats', async () => {
    const { ids, pages } = await walk('', 2);
    expect(ids).toEqual(expected.map((post) => post.id));
    expect(pages).toBe(Math.ceil(expected.length / 2));
  });

  it('defaults to 20 per page and returns deliveries with each post', async () => {
    const res = await get(carol, '/api/posts');
    const page = res.json();
    expect(page.next_cursor).toBeNull();
    expect(page.items).toHaveLength(expected.length);
    expect(page.items[expected.findIndex((post) => post.channels.length === 4)].deliveries).toHaveLength(4);
  });

  it('filters by status across pages', async () => {
    const { ids } = await walk('&status=scheduled', 1);
    expect(ids).toEqual(expected.filter((post) => post.scheduled).map((post) => post.id));
  });

  it('filters by channel and by account', async () => {
    const byChannel = await walk('&channel=facebook_group', 1);
    expect(byChannel.ids).toEqual(expected.filter((post) => post.channels.includes('facebook_group')).map((post) => post.id));
    const byAccount = await walk(`&account_id=${carol.accounts.instagram}`, 5);
    expect(byAccount.ids).toEqual(expected.filter((post) => post.channels.includes('instagram')).map((post) => post.id));
    const combined = await walk(`&channel=marketplace&account_id=${carol.accounts.page}`, 5);
    expect(combined.ids).toEqual([]);
  });

  it("finds nothing with another user's account", async () => {
    const res = await get(carol, `/api/posts?account_id=${bob.accounts.page}`);
    expect(res.json().items).toEqual([]);
  });

  it.each([
    ['limit=0', 'querystring.limit'],
    ['limit=101', 'querystring.limit'],
    ['limit=ten', 'querystring.limit'],
    ['status=lost', 'querystring.status'],
    ['channel=myspace', 'querystring.channel'],
    ['account_id=42', 'querystring.account_id'],
    ['cursor=garbage', 'querystring.cursor'],
    [`cursor=${Buffer.from('2026-02-30T00:00:00.000000Z|x').toString('base64url')}`, 'querystring.cursor'],
    ['sort=oldest', 'querystring.sort'],
  ])('refuses %s with a 400 naming the parameter', async (query, field) => {
    const res = await get(carol, `/api/posts?${query}`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toContain(field);
  });
});

describe('GET /api/posts/:id', () => {
  it("answers 404 for another user's post and for an unknown id", async () => {
    const post = await createdPost(alice, alice.pageBody());
    expect((await get(bob, `/api/posts/${post.id}`)).statusCode).toBe(404);
    const unknown = await get(alice, `/api/posts/${randomUUID()}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'not_found' });
  });

  it('answers 400 for an id that is not a UUID', async () => {
    const res = await get(alice, '/api/posts/123');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('params.id');
  });

  it('answers 401 without a token', async () => {
    const res = await api.app.inject({ method: 'GET', url: `/api/posts/${randomUUID()}` });
    expect(res.statusCode).toBe(401);
  });
});

describe('PATCH /api/posts/:id', () => {
  it('changes content fields and keeps the others', async () => {
    const post = await createdPost(alice, alice.fullBody());
    const res = await patch(alice, post.id, { title: 'Walnut table', price: 99, media_ids: [alice.media.secondImage], link: null });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id: post.id,
      title: 'Walnut table',
      price: 99,
      media_ids: [alice.media.secondImage],
      link: null,
      body: post.body,
      currency: 'EUR',
      status: 'pending',
    });
    expect(new Date(res.json().updated_at).getTime()).toBeGreaterThanOrEqual(new Date(post.updated_at).getTime());
    expect((await get(alice, `/api/posts/${post.id}`)).json().title).toBe('Walnut table');
  });

  it("re-checks the channel rules against the post's targets", async () => {
    const post = await createdPost(alice, alice.fullBody());
    const res = await patch(alice, post.id, { media_ids: [] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('media_ids: marketplace needs at least one photo');
    const pagePost = await createdPost(alice, alice.pageBody());
    expect((await patch(alice, pagePost.id, { media_ids: [] })).statusCode).toBe(200);
  });

  it("refuses another user's media", async () => {
    const post = await createdPost(alice, alice.pageBody());
    const res = await patch(alice, post.id, { media_ids: [bob.media.image] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('media_ids[0]: media not found');
  });

  it.each<[string, unknown, string]>([
    ['scheduled_at (rescheduling has its own endpoint)', { scheduled_at: inHours(1) }, 'body.scheduled_at'],
    ['targets', { targets: [] }, 'body.targets'],
    ['an empty body', {}, 'body'],
    ['a body that is not text', { body: 5 }, 'body.body'],
    ['a NUL character', { title: 'a\u0000b' }, 'body.title must not contain'],
  ])('refuses %s', async (_, payload, field) => {
    const post = await createdPost(alice, alice.pageBody());
    const res = await patch(alice, post.id, payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toContain(field);
  });

  it('answers 409 post_processing while a delivery is processing', async () => {
    const { post } = await insertPost(api.db.db, alice.userId, [
      { channel: 'facebook_page', accountId: alice.accounts.page, status: 'processing' },
    ]);
    const res = await patch(alice, post.id, { body: 'new text' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'post_processing' });
  });

  it('answers 409 once the post is fully published', async () => {
    const { post } = await insertPost(api.db.db, alice.userId, [
      { channel: 'facebook_page', accountId: alice.accounts.page, status: 'posted' },
    ]);
    const res = await patch(alice, post.id, { body: 'new text' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'post_published' });
  });

  it("answers 404 for another user's post and leaves it unchanged", async () => {
    const post = await createdPost(alice, alice.pageBody());
    const res = await patch(bob, post.id, { body: 'hijacked' });
    expect(res.statusCode).toBe(404);
    expect((await get(alice, `/api/posts/${post.id}`)).json().body).toBe(post.body);
  });
});

describe('DELETE /api/posts/:id', () => {
  it('hides the post and cancels its scheduled deliveries', async () => {
    const post = await createdPost(alice, { ...alice.fullBody(), scheduled_at: inHours(1) });
    const res = await remove(alice, post.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: post.id, deleted: true });
    expect((await deliveryRows(post.id)).map((row) => row.status)).toEqual(['canceled', 'canceled', 'canceled', 'canceled']);
    expect((await get(alice, `/api/posts/${post.id}`)).statusCode).toBe(404);
    expect((await get(alice, '/api/posts?limit=100')).json().items.map((item: { id: string }) => item.id)).not.toContain(post.id);
    expect((await remove(alice, post.id)).statusCode).toBe(404);
  });

  it('keeps finished deliveries as they are', async () => {
    const { post } = await insertPost(api.db.db, alice.userId, [
      { channel: 'facebook_page', accountId: alice.accounts.page, status: 'posted' },
      { channel: 'instagram', accountId: alice.accounts.instagram, status: 'failed' },
      { channel: 'facebook_group', accountId: alice.accounts.browser, targetId: '9', status: 'retrying' },
    ]);
    expect((await remove(alice, post.id)).statusCode).toBe(200);
    expect((await deliveryRows(post.id)).map((row) => `${row.channel}:${row.status}`).sort()).toEqual([
      'facebook_group:canceled',
      'facebook_page:posted',
      'instagram:failed',
    ]);
  });

  it('answers 409 post_processing while a delivery is processing, and changes nothing', async () => {
    const { post } = await insertPost(api.db.db, alice.userId, [
      { channel: 'facebook_page', accountId: alice.accounts.page, status: 'processing' },
      { channel: 'instagram', accountId: alice.accounts.instagram, status: 'queued' },
    ]);
    const res = await remove(alice, post.id);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'post_processing' });
    expect((await deliveryRows(post.id)).map((row) => row.status).sort()).toEqual(['processing', 'queued']);
    expect((await get(alice, `/api/posts/${post.id}`)).statusCode).toBe(200);
  });

  it("answers 404 for another user's post and leaves it alone", async () => {
    const post = await createdPost(alice, alice.pageBody());
    expect((await remove(bob, post.id)).statusCode).toBe(404);
    expect((await get(alice, `/api/posts/${post.id}`)).json().deliveries[0].status).toBe('pending');
  });

  it('answers 400 for an id that is not a UUID', async () => {
    expect((await remove(alice, 'abc')).statusCode).toBe(400);
  });
});
