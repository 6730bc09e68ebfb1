import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { DamagedMediaError } from './errors.ts';
import { mediaFilePath } from './storage.ts';

/** The widest image Instagram keeps; wider ones are scaled down in the rendition. */
export const JPEG_RENDITION_MAX_WIDTH = 1440;

/** The most pixels an image may have: sharp's own bound (`limitInputPixels`) against decompression bombs. */
export const MAX_DECODED_PIXELS = 268_402_689;

export interface JpegRenditionFile {
  storage_key: string;
  size_bytes: number;
  width: number;
  height: number;
}

/** Providers that take JPEG only, at most 1440 px wide (Instagram), need a rendition of anything else. */
export const needsJpegRendition = (mime: string, width: number | null) =>
  mime.startsWith('image/') && (mime !== 'image/jpeg' || (width ?? 0) > JPEG_RENDITION_MAX_WIDTH);

/** `<owner>/<media>.png` -> `<owner>/<media>.rendition.jpg`, beside the original. */
export const renditionKeyFor = (storageKey: string) => `${storageKey.replace(/\.[a-z0-9]+$/i, '')}.rendition.jpg`;

/** Any warning of the decoder (a corrupt JPEG scan, a truncated chunk) fails the decode. */
const STRICT_INPUT = { failOn: 'warning', limitInputPixels: MAX_DECODED_PIXELS } as const;

/** Writes the JPEG rendition of a stored image (EXIF orientation applied, scaled to 1440 px wide at most). */
export async function makeJpegRendition(dir: string, storageKey: string): Promise<JpegRenditionFile> {
  const key = renditionKeyFor(storageKey);
  const info = await sharp(mediaFilePath(dir, storageKey), STRICT_INPUT)
    .rotate()
    .resize({ width: JPEG_RENDITION_MAX_WIDTH, withoutEnlargement: true })
    .jpeg({ quality: 90, mozjpeg: true })
    .toFile(mediaFilePath(dir, key))
    .catch(async (err: unknown) => {
      // A decode that fails midway may leave part of the rendition written.
      await rm(mediaFilePath(dir, key), { force: true });
      throw err;
    });
  return { storage_key: key, size_bytes: info.size, width: info.width, height: info.height };
}

export interface StoredImage {
  storageKey: string;
  mime: string;
  width: number;
  height: number;
}

/**
 * Decodes every pixel of a stored image, so that damage inside its data (a JPEG whose scan is
 * corrupt between intact markers, a WebP that ends inside its bitstream) is refused at upload
 * rather than by a provider later; the structural check (`checkComplete`) only sees the ends.
 * An image that needs a JPEG rendition is decoded once, by writing it. Returns the rendition,
 * if any; throws DamagedMediaError.
 */
export async function decodeStoredImage(dir: string, image: StoredImage): Promise<JpegRenditionFile | null> {
  if (image.width * image.height > MAX_DECODED_PIXELS) {
    throw new DamagedMediaError(`The image has ${image.width} x ${image.height} pixels; at most ${MAX_DECODED_PIXELS} are accepted`);
  }
  const decoding = needsJpegRendition(image.mime, image.width)
    ? makeJpegRendition(dir, image.storageKey)
    : sharp(mediaFilePath(dir, image.storageKey), STRICT_INPUT).stats().then(() => null);
  return decoding.catch((err: unknown) => {
    // sharp's message may name the file's path: the client gets a sentence of ours.
    throw new DamagedMediaError('The image data is damaged and cannot be decoded: upload the original file again', { cause: err });
  });
}
