import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutWebp, multipartForm, samplePng, withCorruptScan } from '@autoposter/media/test-samples';
import { errorHandler } from '../plugins/errors.ts';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { userWithAccounts } from '../test/posting-fixtures.ts';

// One regression test per class of 500 an outside probe found (issue 16); each answer is a 4xx
// with the contract's {error, code} body, and nothing stored changes.
let api: TestApi;
let alice: Awaited<ReturnType<typeof userWithAccounts>>;

beforeAll(async () => {
  api = await createTestApi({ LOG_LEVEL: 'warn' });
  alice = await userWithAccounts(api);
});
afterAll(() => api.close());

function expectRefused(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json()).toMatchObject({ code, error: expect.any(String) });
}

const count = async (table: string) => Number((await api.db.pool.query(`select count(*) from ${table}`)).rows[0].count);
const sendJson = (method: 'POST' | 'PUT', url: string, payload: string) =>
  api.app.inject({ method, url, headers: { ...alice.headers, 'content-type': 'application/json' }, payload });

describe('deeply nested JSON', () => {
  it('is a 400 on every route that takes a body, before anything walks it', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const { post } = await alice.post();
    const accountsBefore = await count('accounts');
    const cases: ['POST' | 'PUT', string, string][] = [
      ['POST', '/api/accounts', `{"kind":"facebook_page","name":"x","credentials":{"page_id":"1","access_token":${deep}}}`],
      ['PUT', `/api/accounts/${alice.accounts.facebook_page}/session`, `{"access_token":${deep}}`],
      ['POST', '/api/posts/start-posting', deep],
      ['POST', `/api/posts/${post.id}/publish-now`, deep],
      ['POST', `/api/posts/${post.id}/retry`, deep],
      ['POST', '/api/posts/retry-failed', deep],
      ['POST', '/api/posts', `{"body":"x","targets":${deep}}`],
    ];
    for (const [method, url, payload] of cases) {
      const res = await sendJson(method, url, payload);
      expectRefused(res, 400, 'invalid_body');
      expect(res.json().error).toBe('The JSON body is nested more than 64 levels deep');
    }
    expect(await count('accounts')).toBe(accountsBefore);
    expect(await count('posting_jobs')).toBe(0);
  });

  it('still takes a body nested as deep as the limit', async () => {
    const nested = `${'['.repeat(60)}"${alice.user.id}"${']'.repeat(60)}`;
    expectRefused(await sendJson('POST', '/api/posts/start-posting', `{"post_ids":${nested}}`), 400, 'validation_error');
  });
});

describe('numbers in queries', () => {
  it('must be finite integers in their range', async () => {
    const delivery = (await alice.post()).deliveries[0]!;
    for (const url of [
      '/api/posts?limit=Infinity',
      '/api/posts?limit=1e309',
      '/api/posts?limit=-Infinity',
      '/api/jobs?limit=Infinity',
      '/api/jobs?limit=-Infinity',
      '/api/error-logs?limit=1e309',
      `/api/deliveries/${delivery.id}/logs?download=Infinity`,
      '/api/posts?limit=0',
      '/api/posts?limit=101',
    ]) {
      const res = await api.app.inject({ url, headers: alice.headers });
      expectRefused(res, 400, 'validation_error');
      expect(res.json().error, url).toMatch(/^querystring\.(limit|download) must be/);
    }
    expect((await api.app.inject({ url: '/api/posts?limit=1e1', headers: alice.headers })).statusCode).toBe(200);
  });
});

describe('POST /api/media', () => {
  const upload = (...files: Parameters<typeof multipartForm>) => {
    const form = multipartForm(...files);
    return api.app.inject({ method: 'POST', url: '/api/media', headers: { ...alice.headers, ...form.headers }, payload: form.payload });
  };
  const storedFiles = async () => (await readdir(api.config.media.dir, { recursive: true })).filter((name) => /\.(png|jpg|webp|mp4|part)$/.test(name));

  it('refuses a file that cannot be read fully as its type, or whose dimensions we cannot store, storing nothing', async () => {
    const png = samplePng(3, 2);
    const tall = Buffer.from(png);
    tall.writeUInt32BE(3_000_000_000, 20);
    const cases: [Buffer, RegExp][] = [
      [png.subarray(0, 8), /damaged or incomplete/],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), /damaged or incomplete/],
      [png.subarray(0, 40), /not a complete PNG/],
      [tall, /height of 3000000000 pixels/],
    ];
    for (const [data, message] of cases) {
      const res = await upload({ data, filename: 'photo.png', contentType: 'image/png' });
      expectRefused(res, 400, 'damaged_media');
      expect(res.json().error).toMatch(message);
    }
    expect(await count('media')).toBe(0);
    expect(await storedFiles()).toEqual([]);
  });

  it('refuses an image that is complete by structure but does not decode: a corrupt JPEG scan, a WebP cut short', async () => {
    const photo = (width: number) => sharp({ create: { width, height: 200, channels: 3, background: '#806040', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
    const webp = await photo(64).webp().toBuffer();
    const cases: [string, Buffer, RegExp][] = [
      ['a JPEG with a corrupt scan, needing no rendition', withCorruptScan(await photo(300).jpeg().toBuffer()), /damaged and cannot be decoded/],
      ['a WebP cut short, its RIFF header agreeing', cutWebp(webp), /damaged and cannot be decoded/],
      ['a WebP cut short', webp.subarray(0, webp.length - 100), /not a complete WEBP: its header declares \d+ bytes but it has \d+/],
    ];
    for (const [what, data, message] of cases) {
      const res = await upload({ data, filename: 'photo', contentType: 'application/octet-stream' });
      expect(res.statusCode, what).toBe(400);
      expect(res.json(), what).toMatchObject({ code: 'damaged_media', error: expect.stringMatching(message) });
    }
    expect(await count('media')).toBe(0);
    expect(await storedFiles()).toEqual([]);
  });

  it('refuses a NUL character in the alt_text form field, storing nothing', async () => {
    for (const order of ['before the file', 'after the file']) {
      const altText = { field: 'alt_text', filename: null, data: Buffer.from('a chair\u0000') };
      const file = { data: samplePng(), filename: 'a.png' };
      const res = await upload(...(order === 'before the file' ? [altText, file] : [file, altText]));
      expectRefused(res, 400, 'validation_error');
      expect(res.json().error, order).toBe('body.alt_text must not contain the NUL character (\\u0000)');
    }
    expect(await count('media')).toBe(0);
    expect(await storedFiles()).toEqual([]);
  });

  it('refuses a NUL byte in the file name', async () => {
    const res = await upload({ data: samplePng(), filename: 'a\u0000b.png' });
    expectRefused(res, 400, 'invalid_filename');
    expect(await count('media')).toBe(0);
  });

  it('refuses two files in one upload with a 400, storing neither', async () => {
    const res = await upload({ data: samplePng(3, 2) }, { data: samplePng(4, 4) });
    expectRefused(res, 400, 'too_many_files');
    expect(await count('media')).toBe(0);
    expect(await storedFiles()).toEqual([]);
  });
});

describe('POST /api/posts/import', () => {
  const importCsv = (csv: string, query = '') => {
    const form = multipartForm({ data: Buffer.from(csv), filename: 'posts.csv', contentType: 'text/csv' });
    return api.app.inject({ method: 'POST', url: `/api/posts/import${query}`, headers: { ...alice.headers, ...form.headers }, payload: form.payload });
  };

  it('refuses a NUL character in any cell as an error of its row and column, creating nothing', async () => {
    const page = `facebook_page:${alice.accounts.facebook_page}`;
    const csv = ['title,body,media,targets', `A,fine,,${page}`, `B,"bad\u0000body",,${page}`, `C,fine,"chair\u0000.jpg",${page}`, `D,fine,,"${page}\u0000"`].join('\n');
    const postsBefore = await count('posts');
    const res = await importCsv(csv);
    expectRefused(res, 400, 'import_invalid');
    expect(res.json().errors).toEqual([
      { row: 3, field: 'body', error: 'body must not contain the NUL character (\\u0000)' },
      { row: 4, field: 'media', error: 'media must not contain the NUL character (\\u0000)' },
      { row: 5, field: 'targets', error: 'targets must not contain the NUL character (\\u0000)' },
    ]);
    expect(await count('posts')).toBe(postsBefore);
    const validOnly = await importCsv(csv, '?valid_only=1');
    expect(validOnly.statusCode, validOnly.body).toBe(201);
    expect(validOnly.json()).toMatchObject({ valid_rows: [2], created: [expect.any(String)] });
  });
});

describe('a value Postgres refuses that got past the checks', () => {
  it('is a 400 with the contract body (SQLSTATE 22021, 22P02), logged as a warning without the value', async () => {
    const app = Fastify({ loggerInstance: api.app.log });
    await app.register(errorHandler);
    app.get('/nul', () => api.db.pool.query('select $1::text', ['secret\u0000value']));
    app.get('/uuid', () => api.db.db.execute(sql`select ${'secret-not-a-uuid'}::uuid`));
    try {
      for (const [url, error] of [
        ['/nul', 'A text value holds a character that cannot be stored, such as NUL (\\u0000)'],
        ['/uuid', 'A value is not valid for its type'],
      ] as const) {
        const res = await app.inject({ url });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json()).toEqual({ error, code: 'validation_error' });
      }
    } finally {
      await app.close();
    }
    const warnings = api.logs.filter((line) => line.includes('a value Postgres refused'));
    expect(warnings.map((line) => JSON.parse(line).level)).toEqual(['warn', 'warn']);
    expect(warnings.join('\n')).not.toContain('secret');
  });
});

describe('an Idempotency-Key replay', () => {
  it('of a post deleted since is a 404, and creates nothing', async () => {
    const headers = { ...alice.headers, 'idempotency-key': `key-${randomBytes(4).toString('hex')}` };
    const payload = { body: 'Hello', targets: [{ channel: 'facebook_page', account_id: alice.accounts.facebook_page }] };
    const first = await api.app.inject({ method: 'POST', url: '/api/posts', headers, payload });
    expect(first.statusCode).toBe(201);
    expect((await api.app.inject({ method: 'DELETE', url: `/api/posts/${first.json().id}`, headers: alice.headers })).statusCode).toBe(200);
    const postsBefore = await count('posts');
    expectRefused(await api.app.inject({ method: 'POST', url: '/api/posts', headers, payload }), 404, 'not_found');
    expect(await count('posts')).toBe(postsBefore);
  });
});

describe("Fastify's and Node's own refusals", () => {
  /** Sends raw bytes to a listening gateway and returns what comes back before the socket closes. */
  async function rawExchange(request: string | Buffer): Promise<{ status: number; body: unknown }> {
    const address = api.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    const socket = connect(address.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    // Half-closed once written: a body shorter than its Content-Length ends there.
    socket.end(request);
    await new Promise((resolve) => socket.on('close', resolve));
    const text = Buffer.concat(chunks).toString();
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), body: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) };
  }

  beforeAll(() => api.app.listen({ port: 0, host: '127.0.0.1' }));

  it('answer oversized headers (431) and an invalid Content-Length (400) with the error body', async () => {
    const huge = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toEqual({ status: 431, body: { error: 'The request headers are too large', code: 'headers_too_large' } });
    const badLength = await rawExchange('POST /api/posts HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}');
    expect(badLength).toMatchObject({ status: 400, body: { code: 'bad_request', error: expect.stringContaining('Content-Length') } });
  });

  it('answer a body shorter or longer than its Content-Length, over a real socket, with the error body', async () => {
    const postsBefore = await count('posts');
    const post = (length: number, body: string) =>
      rawExchange(`POST /api/posts HTTP/1.1\r\nHost: x\r\nAuthorization: ${alice.headers.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${body}`);
    expect(await post(100, '{}')).toEqual({
      status: 400,
      body: { error: 'The request ended before it was complete (a body shorter than its Content-Length, or headers cut off)', code: 'bad_request' },
    });
    // The bytes past the Content-Length are read as a next request, which is not HTTP.
    expect(await post(1, '{"body":"x"}')).toEqual({ status: 400, body: { error: 'The request is not valid HTTP', code: 'bad_request' } });
    expect(await count('posts')).toBe(postsBefore);
  });

  it('answer a body shorter than its Content-Length, one too large, an undecodable URL and an unknown content type with the error body', async () => {
    const short = await api.app.inject({
      method: 'POST',
      url: '/api/posts',
      headers: { ...alice.headers, 'content-type': 'application/json', 'content-length': '100' },
      payload: '{}',
    });
    expectRefused(short, 400, 'invalid_body');
    const huge = await api.app.inject({
      method: 'POST',
      url: '/api/posts',
      headers: { ...alice.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ body: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expectRefused(huge, 413, 'payload_too_large');
    expectRefused(await api.app.inject({ url: '/api/posts/%E0%A4%A', headers: alice.headers }), 400, 'bad_request');
    expectRefused(
      await api.app.inject({ method: 'POST', url: '/api/posts', headers: { ...alice.headers, 'content-type': 'text/csv' }, payload: 'a,b' }),
      415,
      'unsupported_media_type',
    );
  });
});

describe('a failed query', () => {
  it('is logged by its statement and error, never its parameters', async () => {
    const email = `secret-${randomBytes(6).toString('hex')}@example.test`;
    const err = await api.db.db.execute(sql`select * from users where id = ${email}::uuid`).catch((e: unknown) => e);
    api.app.log.error({ err }, 'unexpected error');
    const line = api.logs.find((entry) => entry.includes('Failed query') && entry.includes('unexpected error'));
    expect(line).toBeDefined();
    expect(line).not.toContain(email);
    expect(JSON.parse(line!).err).toMatchObject({ message: 'Failed query: select users', cause: { code: '22P02' } });
  });
});
