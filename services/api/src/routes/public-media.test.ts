import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMediaUrl } from '@autoposter/media';
import { multipartForm, samplePng } from '@autoposter/media/test-samples';
import { createTestApi, type TestApi } from '../test/test-app.ts';

describe('GET /public/media/:id (signed URLs)', () => {
  let api: TestApi;
  let mediaId: string;
  const png = samplePng(2, 2);

  beforeAll(async () => {
    api = await createTestApi({ PUBLIC_BASE_URL: 'https://posts.example.test' });
    const { token } = await api.register();
    const form = multipartForm({ data: png });
    const res = await api.app.inject({ method: 'POST', url: '/api/media', payload: form.payload, headers: { ...form.headers, ...api.auth(token) } });
    mediaId = res.json().id;
  });
  afterAll(() => api.close());

  const signed = (id: string, options: { ttlSeconds?: number; now?: Date } = {}) =>
    signMediaUrl({ baseUrl: api.config.media.publicBaseUrl, secret: api.config.media.urlSecret, mediaId: id, ttlSeconds: 60, ...options });
  /** The URL's path and query, as the gateway receives it. */
  const fetchUrl = (url: string) => {
    const parsed = new URL(url);
    return api.app.inject({ url: `${parsed.pathname}${parsed.search}` });
  };

  it('serves the file without a token while the signature is valid', async () => {
    const url = signed(mediaId);
    expect(url.startsWith(`https://posts.example.test/public/media/${mediaId}?`)).toBe(true);
    const res = await fetchUrl(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.rawPayload).toEqual(png);
  });

  it('answers 404 once expired', async () => {
    const res = await fetchUrl(signed(mediaId, { now: new Date(Date.now() - 61_000) }));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Media not found', code: 'not_found' });
  });

  it('answers 404 for a tampered expiry or signature, or a signature for another id', async () => {
    const url = new URL(signed(mediaId));
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    const flipped = new URL(url);
    const signature = url.searchParams.get('signature')!;
    flipped.searchParams.set('signature', `${signature.slice(0, -1)}${signature.endsWith('a') ? 'b' : 'a'}`);
    const otherId = new URL(signed('00000000-0000-4000-8000-000000000000'));
    otherId.pathname = `/public/media/${mediaId}`;
    for (const tampered of [later, flipped, otherId]) {
      expect((await fetchUrl(tampered.toString())).statusCode).toBe(404);
    }
  });

  it('answers 404 for a validly signed id that does not exist', async () => {
    expect((await fetchUrl(signed('00000000-0000-4000-8000-000000000000'))).statusCode).toBe(404);
  });

  it('answers 400 for a malformed query or id', async () => {
    const { search } = new URL(signed(mediaId));
    const expires = new URL(signed(mediaId)).searchParams.get('expires');
    for (const url of [
      `/public/media/${mediaId}`,
      `/public/media/${mediaId}?expires=${expires}`,
      `/public/media/${mediaId}?expires=soon&signature=${'a'.repeat(64)}`,
      `/public/media/${mediaId}?expires=${expires}&signature=not-hex`,
      `/public/media/not-a-uuid${search}`,
    ]) {
      const res = await api.app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code).toBe('validation_error');
    }
  });
});
