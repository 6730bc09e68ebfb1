import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { DamagedMediaError, IncompleteUploadError, MediaTooLargeError, UnsupportedMediaError } from './errors.ts';
import { sniffBytes } from './sniff.ts';
import { mediaFilePath, openMediaFile, saveUpload, type SaveUploadOptions } from './storage.ts';
import { sampleJpeg, sampleMp4, samplePng, sampleText } from './test-samples.ts';

const ownerId = randomUUID();
const limits = { image: 1_000, video: 10_000 };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'media-test-'));
});

const save = (source: SaveUploadOptions['source'], mediaId = randomUUID()) =>
  saveUpload({ dir, ownerId, mediaId, source, maxBytes: (type) => limits[type.kind] });

/** The upload split in small chunks, as a network stream would deliver it. */
const chunked = (data: Buffer, size = 7) =>
  Readable.from(Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)));

const incomingFiles = async () => readdir(join(dir, '.incoming')).catch(() => []);

describe('saveUpload', () => {
  it('stores an image under <owner>/<media id>.<ext> with its hash and size', async () => {
    const png = samplePng(3, 2);
    const mediaId = randomUUID();
    const saved = await save(chunked(png), mediaId);

    expect(saved).toEqual({
      storageKey: `${ownerId}/${mediaId}.png`,
      mime: 'image/png',
      sizeBytes: png.length,
      sha256: createHash('sha256').update(png).digest('hex'),
      width: 3,
      height: 2,
    });
    expect(await readFile(mediaFilePath(dir, saved.storageKey))).toEqual(png);
    expect(await incomingFiles()).toEqual([]);
  });

  it('reads JPEG dimensions and leaves videos without them', async () => {
    expect(await save(Readable.from([sampleJpeg(40, 30)]))).toMatchObject({ mime: 'image/jpeg', width: 40, height: 30 });
    expect(await save(Readable.from([sampleMp4(2_000)]))).toMatchObject({ mime: 'video/mp4', width: null, height: null });
  });

  it('judges the type by content and refuses anything else, leaving nothing behind', async () => {
    await expect(save(Readable.from([sampleText()]))).rejects.toBeInstanceOf(UnsupportedMediaError);
    await expect(save(Readable.from([Buffer.alloc(0)]))).rejects.toBeInstanceOf(UnsupportedMediaError);
    expect(await incomingFiles()).toEqual([]);
    expect(await readdir(dir)).toEqual(['.incoming']);
  });

  it('refuses a file whose header is right but whose image data is unreadable', async () => {
    const headerOnly = sampleJpeg().subarray(0, 12);
    await expect(save(Readable.from([headerOnly]))).rejects.toBeInstanceOf(DamagedMediaError);
  });

  it('refuses a file that cannot be read fully as its type, naming the problem and leaving nothing behind', async () => {
    const png = samplePng(3, 2);
    const webp = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#336699' } }).webp().toBuffer();
    const tall = Buffer.from(png);
    tall.writeUInt32BE(3_000_000_000, 20); // IHDR height
    const mp4 = sampleMp4(64);
    const cutMp4 = Buffer.concat([mp4.subarray(0, 24), Buffer.from([0, 0, 0x10, 0, 0x6d, 0x6f, 0x6f, 0x76]), Buffer.alloc(100)]);
    const cases: [Buffer, RegExp][] = [
      [png.subarray(0, 8), /ends before its type can be recognised/],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), /ends before its type can be recognised/],
      [png.subarray(0, png.length - 12), /not a complete PNG: it has no IEND chunk/],
      [sampleJpeg().subarray(0, sampleJpeg().length - 2), /not a complete JPG: it has no end-of-image marker/],
      [webp.subarray(0, webp.length - 4), new RegExp(`not a complete WEBP: its header declares ${webp.length} bytes but it has ${webp.length - 4}`)],
      [cutMp4, /not a complete MP4: it ends inside its "moov" box/],
      [tall, /height of 3000000000 pixels; it must be between 1 and 2147483647/],
    ];
    for (const [data, message] of cases) {
      const err = await save(Readable.from([data])).catch((e: unknown) => e);
      expect(err, String(message)).toBeInstanceOf(DamagedMediaError);
      expect((err as Error).message).toMatch(message);
    }
    expect(await incomingFiles()).toEqual([]);
  });

  it('applies the limit of the detected type', async () => {
    const bigPng = Buffer.concat([samplePng(), Buffer.alloc(limits.image)]);
    const error = await save(chunked(bigPng, 100)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MediaTooLargeError);
    expect((error as MediaTooLargeError).maxBytes).toBe(limits.image);
    expect(await save(Readable.from([sampleMp4(limits.image * 2)]))).toMatchObject({ sizeBytes: limits.image * 2 });
    expect(await incomingFiles()).toEqual([]);
  });

  it('stops reading as soon as the limit is passed', async () => {
    let chunksRead = 0;
    async function* endless() {
      yield samplePng();
      for (;;) {
        chunksRead += 1;
        yield Buffer.alloc(100);
      }
    }
    await expect(save(Readable.from(endless()))).rejects.toBeInstanceOf(MediaTooLargeError);
    // The type is known after sniffBytes; by then the image limit is already passed.
    expect(chunksRead * 100).toBeLessThan(sniffBytes + 2_000);
  });

  it('reports a source that fails mid-way as an incomplete upload', async () => {
    async function* breaksOff() {
      yield samplePng();
      throw new Error('Part terminated early');
    }
    const error = await save(Readable.from(breaksOff())).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IncompleteUploadError);
    expect(await incomingFiles()).toEqual([]);
  });

  it('counts a stream cut at the upload limit as too large', async () => {
    const source = Object.assign(Readable.from([sampleMp4(500)]), { truncated: true });
    await expect(save(source)).rejects.toBeInstanceOf(MediaTooLargeError);
  });
});

describe('stored files', () => {
  it('opens a stored file and reports a missing one as null', async () => {
    const saved = await save(Readable.from([samplePng()]));
    const opened = await openMediaFile(dir, saved.storageKey);
    expect(opened?.sizeBytes).toBe(saved.sizeBytes);
    expect(await text(opened!.stream)).toBe(samplePng().toString());
    expect(await openMediaFile(dir, `${ownerId}/${randomUUID()}.png`)).toBeNull();
  });

  it('refuses storage keys that leave the media directory', () => {
    expect(() => mediaFilePath(dir, '../etc/passwd')).toThrow();
    expect(() => mediaFilePath(dir, '/etc/passwd')).toThrow();
    expect(mediaFilePath(dir, 'a/b.png')).toBe(join(dir, 'a/b.png'));
  });
});
