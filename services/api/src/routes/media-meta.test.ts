import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMediaUrl } from '@autoposter/media';
import { multipartForm, sampleMp4, samplePng, type FormFile } from '@autoposter/media/test-samples';
import { insertAccount, insertMedia } from '@autoposter/testing';
import { createTestApi, type TestApi } from '../test/test-app.ts';

/** Media for Meta: alt text, JPEG renditions under the signed URLs, and what Instagram would refuse refused at create time. */
describe('media for Meta', () => {
  let api: TestApi;
  let alice: { token: string; user: { id: string } };

  beforeAll(async () => {
    api = await createTestApi();
    alice = await api.register();
  });
  afterAll(() => api.close());

  const upload = (...parts: FormFile[]) => {
    const form = multipartForm(...parts);
    return api.app.inject({ method: 'POST', url: '/api/media', payload: form.payload, headers: { ...form.headers, ...api.auth(alice.token) } });
  };
  const publicUrl = (id: string, rendition?: 'jpeg') =>
    signMediaUrl({ baseUrl: '', secret: api.config.media.urlSecret, mediaId: id, ttlSeconds: 600, ...(rendition ? { rendition } : {}) });

  it('takes alt_text as a form field before the file, and makes a JPEG rendition of a PNG served under the signed URL', async () => {
    const res = await upload({ field: 'alt_text', filename: null, data: Buffer.from('Two loaves on a board') }, { filename: 'bread.png', contentType: 'image/png', data: samplePng(400, 300) });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ mime: 'image/png', alt_text: 'Two loaves on a board', width: 400, height: 300 });
    const original = await api.app.inject({ url: publicUrl(res.json().id) });
    expect(original.headers['content-type']).toBe('image/png');
    const jpeg = await api.app.inject({ url: publicUrl(res.json().id, 'jpeg') });
    expect(jpeg.statusCode).toBe(200);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect(await sharp(jpeg.rawPayload).metadata()).toMatchObject({ format: 'jpeg', width: 400, height: 300 });
  });

  it('scales a JPEG wider than 1440 px down in its rendition', async () => {
    const wide = await sharp({ create: { width: 2000, height: 1200, channels: 3, background: '#c08040' } }).jpeg().toBuffer();
    const res = await upload({ filename: 'wide.jpg', contentType: 'image/jpeg', data: wide });
    expect(res.statusCode, res.body).toBe(201);
    const jpeg = await api.app.inject({ url: publicUrl(res.json().id, 'jpeg') });
    expect(await sharp(jpeg.rawPayload).metadata()).toMatchObject({ format: 'jpeg', width: 1440, height: 864 });
  });

  it('sets and clears alt_text with PATCH /api/media/:id, images only', async () => {
    const image = (await upload({ filename: 'a.png', contentType: 'image/png', data: samplePng(500, 500) })).json();
    const patch = (id: string, payload: unknown) => api.app.inject({ method: 'PATCH', url: `/api/media/${id}`, headers: api.auth(alice.token), payload: payload as object });
    expect((await patch(image.id, { alt_text: 'A cake' })).json()).toMatchObject({ id: image.id, alt_text: 'A cake' });
    expect((await patch(image.id, { alt_text: null })).json()).toMatchObject({ alt_text: null });
    expect((await patch(image.id, { alt_text: 'x'.repeat(1001) })).statusCode).toBe(400);
    const video = (await upload({ filename: 'v.mp4', contentType: 'video/mp4', data: sampleMp4(500) })).json();
    expect((await patch(video.id, { alt_text: 'no' })).json()).toMatchObject({ error: 'body.alt_text applies to images only' });
    const bob = await api.register();
    const stranger = await api.app.inject({ method: 'PATCH', url: `/api/media/${image.id}`, headers: api.auth(bob.token), payload: { alt_text: 'mine now' } });
    expect(stranger.statusCode).toBe(404);
  });

  describe('refuses at create time what Instagram would refuse, naming the media or field', () => {
    const createPost = async (body: Record<string, unknown>) => {
      const account = await insertAccount(api.db.db, api.config.secrets, alice.user.id, 'instagram_business');
      return api.app.inject({
        method: 'POST',
        url: '/api/posts',
        headers: api.auth(alice.token),
        payload: { body: 'Hello', targets: [{ channel: 'instagram', account_id: account.id }], ...body },
      });
    };
    const image = (overrides: Parameters<typeof insertMedia>[2]) => insertMedia(api.db.db, alice.user.id, overrides).then((row) => row.id);

    it.each([
      ['an aspect ratio outside 4:5..1.91:1', { width: 400, height: 1000 }, 'aspect ratios from 4:5 to 1.91:1'],
      ['a width under 320 px', { width: 300, height: 300 }, '320 to 1440 px wide'],
      ['an image over 8 MiB as JPEG', { mime: 'image/jpeg', sizeBytes: 9 * 1024 * 1024 }, 'up to 8 MiB'],
      ['a PNG whose JPEG rendition is over 8 MiB', { jpegRendition: { storage_key: 'x.jpg', size_bytes: 9 * 1024 * 1024, width: 1080, height: 1080 } }, 'up to 8 MiB'],
    ])('%s', async (_name, overrides, words) => {
      const res = await createPost({ media_ids: [await image({}), await image(overrides)] });
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toEqual([expect.stringMatching(new RegExp(`^media_ids\\[1\\]: .*${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))]);
    });

    it('takes an image Instagram takes, judged by its rendition', async () => {
      const res = await createPost({ media_ids: [await image({ width: 3000, height: 2000, jpegRendition: { storage_key: 'x.jpg', size_bytes: 500_000, width: 1440, height: 960 } })] });
      expect(res.statusCode, res.body).toBe(201);
    });

    it('more than 20 @-mentions in the caption', async () => {
      const mentions = Array.from({ length: 21 }, (_, i) => `@friend${i}`).join(' ');
      const res = await createPost({ body: `Thanks ${mentions}`, media_ids: [await image({})] });
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toEqual(['body: instagram captions allow at most 20 @-mentions']);
    });

    it('a Page video over 1 GiB', async () => {
      const page = await insertAccount(api.db.db, api.config.secrets, alice.user.id, 'facebook_page');
      const video = await image({ mime: 'video/mp4', sizeBytes: 2 * 1024 * 1024 * 1024, width: null, height: null });
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/posts',
        headers: api.auth(alice.token),
        payload: { body: 'Tour', video_media_id: video, targets: [{ channel: 'facebook_page', account_id: page.id }] },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toEqual([expect.stringMatching(/^video_media_id: facebook_page takes videos up to 1 GiB/)]);
    });
  });
});
