import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@autoposter/db';
import { mediaFilePath } from '@autoposter/media';
import { multipartForm, sampleMp4, samplePng, sampleText, type FormFile } from '@autoposter/media/test-samples';
import { createTestApi, type TestApi } from '../test/test-app.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function upload(api: TestApi, token: string | null, ...files: FormFile[]) {
  const form = multipartForm(...files);
  return api.app.inject({
    method: 'POST',
    url: '/api/media',
    payload: form.payload,
    headers: { ...form.headers, ...(token && api.auth(token)) },
  });
}

const storedRows = (api: TestApi, userId: string) => api.db.db.select().from(schema.media).where(eq(schema.media.userId, userId));
/** Files the user has on disk (the upload area aside). */
const filesOnDisk = (api: TestApi, userId: string) => readdir(join(api.config.media.dir, userId)).catch(() => []);

describe('media', () => {
  let api: TestApi;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string; user: { id: string } };

  beforeAll(async () => {
    api = await createTestApi({ MEDIA_MAX_IMAGE_BYTES: '1000', MEDIA_MAX_VIDEO_BYTES: '5000' });
    alice = await api.register();
    bob = await api.register();
  });
  afterAll(() => api.close());

  describe('POST /api/media', () => {
    it('stores an image under <user>/<id>.<ext> and describes it', async () => {
      const png = samplePng(3, 2);
      const res = await upload(api, alice.token, { filename: 'photo.png', contentType: 'image/png', data: png });
      expect(res.statusCode).toBe(201);
      const media = res.json();
      expect(media).toEqual({
        id: expect.any(String),
        mime: 'image/png',
        size_bytes: png.length,
        sha256: sha256(png),
        width: 3,
        height: 2,
        alt_text: null,
        created_at: expect.any(String),
      });
      const [row] = await api.db.db.select().from(schema.media).where(eq(schema.media.id, media.id));
      expect(row).toMatchObject({ userId: alice.user.id, storageKey: `${alice.user.id}/${media.id}.png`, originalName: 'photo.png' });
      expect(await readFile(mediaFilePath(api.config.media.dir, row!.storageKey))).toEqual(png);
    });

    it('goes by content: a JPEG named .png with a PNG type is stored as a JPEG', async () => {
      const jpeg = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#808080' } }).jpeg().toBuffer();
      const res = await upload(api, alice.token, { filename: 'lies.png', contentType: 'image/png', data: jpeg });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ mime: 'image/jpeg', width: 8, height: 6 });
    });

    it('accepts a video up to the video limit, without dimensions', async () => {
      const res = await upload(api, alice.token, { filename: 'clip.mp4', contentType: 'video/mp4', data: sampleMp4(5000) });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ mime: 'video/mp4', size_bytes: 5000 });
      expect(res.json()).not.toHaveProperty('width');
    });

    it('answers 400 unsupported_media_type for a text file named .png, storing nothing', async () => {
      const before = await filesOnDisk(api, bob.user.id);
      const res = await upload(api, bob.token, { filename: 'cat.png', contentType: 'image/png', data: sampleText() });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'unsupported_media_type', error: expect.any(String) });
      expect(await storedRows(api, bob.user.id)).toEqual([]);
      expect(await filesOnDisk(api, bob.user.id)).toEqual(before);
      expect(await readdir(join(api.config.media.dir, '.incoming'))).toEqual([]);
    });

    it('answers 413 over the limit of the detected type, storing nothing', async () => {
      const bigImage = Buffer.concat([samplePng(), Buffer.alloc(1000)]);
      const image = await upload(api, bob.token, { filename: 'big.png', contentType: 'image/png', data: bigImage });
      expect(image.statusCode).toBe(413);
      expect(image.json()).toMatchObject({ code: 'payload_too_large', error: expect.stringContaining('1000 bytes') });
      // One byte over the video limit, which is also the multipart cut-off.
      const video = await upload(api, bob.token, { filename: 'big.mp4', contentType: 'video/mp4', data: sampleMp4(5001) });
      expect(video.statusCode).toBe(413);
      expect(await storedRows(api, bob.user.id)).toEqual([]);
      expect(await readdir(join(api.config.media.dir, '.incoming'))).toEqual([]);
    });

    it('answers 400 without a file in the field "file", or without multipart', async () => {
      const wrongField = await upload(api, alice.token, { field: 'picture', data: samplePng() });
      expect(wrongField.statusCode).toBe(400);
      expect(wrongField.json().error).toContain('"file"');
      const json = await api.app.inject({ method: 'POST', url: '/api/media', headers: api.auth(alice.token), payload: { file: 'x' } });
      expect(json.statusCode).toBe(400);
    });

    it('answers 400 for a malformed or truncated multipart body', async () => {
      const partStart = '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n';
      for (const [contentType, payload] of [
        ['multipart/form-data', 'no boundary'],
        ['multipart/form-data; boundary=xyz', 'no parts at all'],
        ['multipart/form-data; boundary=xyz', Buffer.concat([Buffer.from(partStart), samplePng()])],
      ] as const) {
        const res = await api.app.inject({
          method: 'POST',
          url: '/api/media',
          headers: { ...api.auth(alice.token), 'content-type': contentType },
          payload,
        });
        expect(res.statusCode, String(payload)).toBe(400);
        expect(res.json().code).toBe('invalid_body');
      }
    });

    it('answers 401 without a token', async () => {
      const res = await upload(api, null, { data: samplePng() });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('GET /api/media/:id', () => {
    it('streams the file to its owner with its type', async () => {
      const png = samplePng(5, 5);
      const { id } = (await upload(api, alice.token, { data: png })).json();
      const res = await api.app.inject({ url: `/api/media/${id}`, headers: api.auth(alice.token) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.rawPayload).toEqual(png);
    });

    it("answers 404 for another user's media, an unknown id, or a file gone from disk; 400 for a bad id", async () => {
      const { id } = (await upload(api, alice.token, { data: samplePng() })).json();
      expect((await api.app.inject({ url: `/api/media/${id}`, headers: api.auth(bob.token) })).statusCode).toBe(404);
      const unknown = await api.app.inject({ url: '/api/media/00000000-0000-4000-8000-000000000000', headers: api.auth(alice.token) });
      expect(unknown.statusCode).toBe(404);
      const badId = await api.app.inject({ url: '/api/media/12', headers: api.auth(alice.token) });
      expect(badId.statusCode).toBe(400);
      expect(badId.json().error).toContain('params.id');
      expect((await api.app.inject({ url: `/api/media/${id}` })).statusCode).toBe(401);

      await rm(mediaFilePath(api.config.media.dir, `${alice.user.id}/${id}.png`));
      expect((await api.app.inject({ url: `/api/media/${id}`, headers: api.auth(alice.token) })).statusCode).toBe(404);
    });
  });
});
