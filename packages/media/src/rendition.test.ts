import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { DamagedMediaError } from './errors.ts';
import { decodeStoredImage, MAX_DECODED_PIXELS } from './rendition.ts';
import { mediaFilePath } from './storage.ts';
import { cutWebp, samplePng, withCorruptScan } from './test-samples.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'media-decode-'));
});

/** A photo-like image: noise, so its compressed data is not trivially short. */
const photo = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#806040', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });

function stored(data: Buffer, ext: string, mime: string, width: number, height: number) {
  const storageKey = `owner/${ext}-${width}.${ext}`;
  mkdirSync(dirname(mediaFilePath(dir, storageKey)), { recursive: true });
  writeFileSync(mediaFilePath(dir, storageKey), data);
  return { storageKey, mime, width, height };
}

describe('decodeStoredImage', () => {
  it('decodes a sound JPEG without a rendition, and renders a PNG, a WebP and a wide JPEG', async () => {
    expect(await decodeStoredImage(dir, stored(await photo(300, 200).jpeg().toBuffer(), 'jpg', 'image/jpeg', 300, 200))).toBeNull();
    expect(await decodeStoredImage(dir, stored(samplePng(30, 20), 'png', 'image/png', 30, 20))).toMatchObject({ width: 30, height: 20 });
    expect(await decodeStoredImage(dir, stored(await photo(64, 48).webp().toBuffer(), 'webp', 'image/webp', 64, 48))).toMatchObject({ width: 64 });
    expect(await decodeStoredImage(dir, stored(await photo(1600, 100).jpeg().toBuffer(), 'jpg', 'image/jpeg', 1600, 100))).toMatchObject({ width: 1440 });
  });

  it('refuses a JPEG whose scan is corrupt between intact markers, narrow (no rendition) or wide, leaving no rendition behind', async () => {
    for (const width of [300, 1600]) {
      const image = stored(withCorruptScan(await photo(width, 200).jpeg().toBuffer()), 'jpg', 'image/jpeg', width, 200);
      const err = await decodeStoredImage(dir, image).catch((e: unknown) => e);
      expect(err, String(width)).toBeInstanceOf(DamagedMediaError);
      expect((err as Error).message).toBe('The image data is damaged and cannot be decoded: upload the original file again');
      expect((err as Error).message).not.toContain(dir);
    }
    expect((await readdir(join(dir, 'owner'))).filter((name) => name.endsWith('.rendition.jpg'))).toEqual([]);
  });

  it('refuses a WebP cut short whose RIFF header was made to agree', async () => {
    const image = stored(cutWebp(await photo(64, 48).webp().toBuffer()), 'webp', 'image/webp', 64, 48);
    await expect(decodeStoredImage(dir, image)).rejects.toBeInstanceOf(DamagedMediaError);
  });

  it('refuses more pixels than it decodes before reading any', async () => {
    const image = { storageKey: 'owner/none.png', mime: 'image/png', width: MAX_DECODED_PIXELS, height: 2 };
    await expect(decodeStoredImage(dir, image)).rejects.toThrow(`at most ${MAX_DECODED_PIXELS} are accepted`);
  });
});
