import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMedia } from '@autoposter/testing';
import { countPosts, createPoster, type Poster } from '../posts/post-test-helpers.ts';
import { createTestApi, type TestApi } from '../test/test-app.ts';

let api: TestApi;
let poster: Poster;

beforeAll(async () => {
  api = await createTestApi();
  poster = await createPoster(api);
  await api.db.pool.query(`update accounts set name = case kind when 'facebook_browser' then 'My Facebook' when 'facebook_page' then 'Shop Page' else 'Shop IG' end where user_id = $1`, [poster.userId]);
  await insertMedia(api.db.db, poster.userId, { originalName: 'chair.jpg', mime: 'image/jpeg' });
});
afterAll(() => api.close());

function multipart(csv: string, field = 'file') {
  const boundary = '----autoposter-import';
  const payload = [`--${boundary}`, `Content-Disposition: form-data; name="${field}"; filename="posts.csv"`, 'Content-Type: text/csv', '', csv, `--${boundary}--`, ''].join('\r\n');
  return { payload, headers: { ...poster.headers, 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const importCsv = (csv: string, query = '') => api.app.inject({ method: 'POST', url: `/api/posts/import${query}`, ...multipart(csv) });

const future = new Date(Date.now() + 86_400_000).toISOString();
const GOOD = [
  'title,body,price,currency,media,targets,scheduled_at',
  `Oak chair,"Solid oak, barely used",45,usd,chair.jpg,marketplace:My Facebook,`,
  `,Weekend sale starts now!,,,,facebook_page:Shop Page|facebook_group:my facebook:12345,${future}`,
].join('\n');

describe('POST /api/posts/import', () => {
  it('creates one post per row through the checks of POST /api/posts, media by file name and accounts by name', async () => {
    const before = await countPosts(api, poster.userId);
    const response = await importCsv(GOOD);
    expect(response.statusCode, response.body).toBe(201);
    const result = response.json();
    expect(result).toMatchObject({ errors: [], total_rows: 2, valid_rows: [2, 3] });
    expect(result.created).toHaveLength(2);
    expect(await countPosts(api, poster.userId)).toBe(before + 2);

    const chair = (await api.app.inject({ method: 'GET', url: `/api/posts/${result.created[0]}`, headers: poster.headers })).json();
    expect(chair).toMatchObject({ title: 'Oak chair', body: 'Solid oak, barely used', price: 45, currency: 'USD', status: 'pending' });
    expect(chair.media_ids).toHaveLength(1);
    const sale = (await api.app.inject({ method: 'GET', url: `/api/posts/${result.created[1]}`, headers: poster.headers })).json();
    expect(sale.status).toBe('scheduled');
    expect(sale.deliveries.map((d: { channel: string; target_id: string | null }) => `${d.channel}:${d.target_id}`).sort()).toEqual(['facebook_group:12345', 'facebook_page:null']);
  });

  const BAD = [
    'title,body,price,media,targets,scheduled_at',
    ',No title for marketplace,10,chair.jpg,marketplace:My Facebook,',
    'Fine,A fine Page post,,,facebook_page:Shop Page,',
    'Bad,x,abc,missing.png,tiktok:Shop Page,tomorrow',
    'Old,Too late,,,facebook_page:Shop Page,2001-01-01T00:00:00Z',
    'Who,Nobody,,,facebook_page:Nobody,',
  ].join('\n');

  it('refuses a file with any error, lists every row error, and creates nothing', async () => {
    const before = await countPosts(api, poster.userId);
    const response = await importCsv(BAD);
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body).toMatchObject({ code: 'import_invalid', created: [], error: expect.stringMatching(/4 row\(s\) have errors.*valid_only=1/) });
    const byRow = (row: number) => body.errors.filter((error: { row: number }) => error.row === row).map((error: { field: string }) => error.field);
    expect(byRow(2)).toEqual(['title']);
    expect(byRow(3)).toEqual([]);
    expect(byRow(4)).toEqual(expect.arrayContaining(['price', 'media', 'targets', 'scheduled_at']));
    expect(byRow(5)).toEqual(['scheduled_at']);
    expect(byRow(6)).toEqual(['targets']);
    expect(await countPosts(api, poster.userId)).toBe(before);
  });

  it('previews with dry_run=1 and imports only the valid rows with valid_only=1', async () => {
    const before = await countPosts(api, poster.userId);
    const preview = await importCsv(BAD, '?dry_run=1');
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ created: [], valid_rows: [3], total_rows: 5 });
    expect(await countPosts(api, poster.userId)).toBe(before);

    const partial = await importCsv(BAD, '?valid_only=1');
    expect(partial.statusCode).toBe(201);
    expect(partial.json().created).toHaveLength(1);
    expect(partial.json().errors.length).toBeGreaterThan(0);
    expect(await countPosts(api, poster.userId)).toBe(before + 1);
  });

  it('answers 400 naming the problem for files that are not a CSV of posts', async () => {
    const cases: [string, RegExp][] = [
      ['title,body\n"unclosed,quote', /cannot be read/],
      ['body,colour,targets\nx,red,facebook_page:Shop Page', /Unknown CSV column\(s\): colour/],
      ['title,targets\nx,facebook_page:Shop Page', /needs a "body" column/],
      ['body,targets\n', /no rows/],
    ];
    for (const [csv, message] of cases) {
      const response = await importCsv(csv);
      expect(response.statusCode, csv).toBe(400);
      expect(response.json().error).toMatch(message);
    }
    const notMultipart = await api.app.inject({ method: 'POST', url: '/api/posts/import', headers: poster.headers, payload: { body: 'x' } });
    expect(notMultipart.statusCode).toBe(400);
    const wrongField = await api.app.inject({ method: 'POST', url: '/api/posts/import', ...multipart(GOOD, 'csv') });
    expect(wrongField.json().error).toMatch(/field "file"/);
  });

  it("cannot reach another user's accounts or media, and needs a token", async () => {
    const other = await createPoster(api);
    const csv = `body,media,targets\nHi,${other.media.image},facebook_page:${other.accounts.page}`;
    const response = await importCsv(csv);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((error: { field: string }) => error.field)).toEqual(['targets']);
    const withOwnAccount = await importCsv(`body,media,targets\nHi,${other.media.image},facebook_page:Shop Page`);
    expect(withOwnAccount.json().errors.map((error: { field: string }) => error.field)).toEqual(['media']);
    const anonymous = await api.app.inject({ method: 'POST', url: '/api/posts/import', payload: GOOD, headers: { 'content-type': 'text/csv' } });
    expect(anonymous.statusCode).toBe(401);
  });
});
