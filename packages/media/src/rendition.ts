import sharp from 'sharp';
import { mediaFilePath } from './storage.ts';

/** The widest image Instagram keeps; wider ones are scaled down in the rendition. */
export const JPEG_RENDITION_MAX_WIDTH = 1440;

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

/** Writes the JPEG rendition of a stored image (EXIF orientation applied, scaled to 1440 px wide at most). */
export async function makeJpegRendition(dir: string, storageKey: string): Promise<JpegRenditionFile> {
  const key = renditionKeyFor(storageKey);
  const info = await sharp(mediaFilePath(dir, storageKey))
    .rotate()
    .resize({ width: JPEG_RENDITION_MAX_WIDTH, withoutEnlargement: true })
    .jpeg({ quality: 90, mozjpeg: true })
    .toFile(mediaFilePath(dir, key));
  return { storage_key: key, size_bytes: info.size, width: info.width, height: info.height };
}
