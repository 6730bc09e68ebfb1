import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../test/test-app.ts';

const dist = mkdtempSync(join(tmpdir(), 'autoposter-web-'));
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
const SCRIPT = 'console.log("dashboard")';
writeFileSync(join(dist, 'assets', 'index-abc123.js'), SCRIPT);
// What the build writes beside each text file (vite-plugin-compression2); one file has none.
writeFileSync(join(dist, 'assets', 'index-abc123.js.br'), brotliCompressSync(SCRIPT));
writeFileSync(join(dist, 'assets', 'index-abc123.js.gz'), gzipSync(SCRIPT));
writeFileSync(join(dist, 'assets', 'plain-def456.js'), 'console.log("plain")');
writeFileSync(join(tmpdir(), 'outside-the-dashboard.txt'), 'secret');

let api: TestApi;
let unbuilt: TestApi;
beforeAll(async () => {
  api = await createTestApi({ WEB_DIST_DIR: dist, NOTIFIER_PUBLIC_URL: 'http://notifier.test:3001' });
  unbuilt = await createTestApi({ WEB_DIST_DIR: join(dist, 'missing') });
});
afterAll(async () => {
  await api.close();
  await unbuilt.close();
});

const get = (url: string, app = api, headers: Record<string, string> = {}) => app.app.inject({ method: 'GET', url, headers });

describe('the dashboard at /', () => {
  it('serves index.html at / and for client-side routes, never cached', async () => {
    for (const url of ['/', '/posts', '/posts/8a0c4c3e-1111-4111-8111-111111111111?tab=logs', '/calendar']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with a long cache, and 404s missing files instead of sending index.html', async () => {
    const asset = await get('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await get('/assets/gone-000.js')).statusCode).toBe(404);
  });

  it('sends the precompressed file the browser accepts, the plain one otherwise', async () => {
    const brotli = await get('/assets/index-abc123.js', api, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers['content-type']).toMatch(/javascript/);
    expect(brotli.headers['cache-control']).toContain('immutable');
    expect(brotli.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(brotli.rawPayload).toString()).toBe(SCRIPT);

    const gzip = await get('/assets/index-abc123.js', api, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(SCRIPT);

    const plain = await get('/assets/index-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);

    const uncompressedOnly = await get('/assets/plain-def456.js', api, { 'accept-encoding': 'br, gzip' });
    expect(uncompressedOnly.statusCode).toBe(200);
    expect(uncompressedOnly.headers['content-encoding']).toBeUndefined();
    expect(uncompressedOnly.body).toBe('console.log("plain")');
  });

  it('leaves the API, the docs, the board and public media as they were', async () => {
    const api404 = await get('/api/nothing-here');
    expect(api404.statusCode).toBe(404);
    expect(api404.json()).toMatchObject({ code: 'not_found' });
    expect((await get('/api/posts')).statusCode).toBe(401);
    expect((await get('/docs/json')).json().openapi).toMatch(/^3\./);
    expect((await get('/admin/queues')).statusCode).toBe(401);
    expect((await get('/public/nothing')).statusCode).toBe(404);
    expect((await get('/healthz')).statusCode).toBe(200);
  });

  it('never serves a file outside the dashboard', async () => {
    for (const url of ['/../outside-the-dashboard.txt', '/%2e%2e/outside-the-dashboard.txt', '/assets/..%2f..%2foutside-the-dashboard.txt', '/%E0%A4%A']) {
      const response = await get(url);
      expect(response.body, url).not.toContain('secret');
    }
  });

  it('tells the dashboard where the notifier is', async () => {
    expect((await get('/app-config.json')).json()).toEqual({ notifier_url: 'http://notifier.test:3001' });
  });

  it('says how to build the dashboard when it is not built', async () => {
    const response = await get('/', unbuilt);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('pnpm --filter @autoposter/web build');
    expect((await get('/api/nothing-here', unbuilt)).statusCode).toBe(404);
  });

  it('keeps the dashboard routes out of the OpenAPI document', async () => {
    const paths = Object.keys((await get('/docs/json')).json().paths);
    expect(paths).not.toContain('/*');
    expect(paths).not.toContain('/app-config.json');
  });
});
