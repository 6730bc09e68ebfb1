import { imageSize } from 'image-size';

/** What Meta does with a media URL it fetches: the error code it fails with, or the media's facts. */
export type MediaCheck = { ok: true; width: number; height: number } | { ok: false; code: number; message: string };

export const IMAGE_MAX_BYTES = 8 * 1024 * 1024;
/** Instagram's accepted aspect ratios, width / height: 4:5 to 1.91:1. */
export const MIN_ASPECT = 4 / 5;
export const MAX_ASPECT = 1.91;
/** Widths Meta documents (and says it scales others to): the fake refuses the others, the stricter reading. */
export const MIN_WIDTH = 320;
export const MAX_WIDTH = 1440;

async function download(url: string, timeoutMs: number): Promise<{ ok: true; body: Buffer } | { ok: false; code: number; message: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { ok: false, code: 2207052, message: `Media download has failed. The media URI answered HTTP ${response.status}` };
    return { ok: true, body: Buffer.from(await response.arrayBuffer()) };
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    return timedOut
      ? { ok: false, code: 2207003, message: 'It takes too long to download the media' }
      : { ok: false, code: 2207052, message: 'Media download has failed. The media URI could not be fetched' };
  }
}

/** Fetches an image as Instagram does: JPEG only, at most 8 MiB, aspect ratio within 4:5..1.91:1, 320-1440 pixels wide. */
export async function checkInstagramImage(url: string, timeoutMs: number): Promise<MediaCheck> {
  const fetched = await download(url, timeoutMs);
  if (!fetched.ok) return fetched;
  if (fetched.body.length > IMAGE_MAX_BYTES) return { ok: false, code: 2207004, message: 'The image is too large to download. It should be less than 8 MiB' };
  const size = dimensionsOf(fetched.body);
  if (!size || size.type !== 'jpg') return { ok: false, code: 2207005, message: 'The image format is not supported. Only JPEG images can be published' };
  const ratio = size.width / size.height;
  if (ratio < MIN_ASPECT - 1e-9 || ratio > MAX_ASPECT + 1e-9) {
    return { ok: false, code: 2207009, message: `The submitted image with aspect ratio ${ratio.toFixed(2)} cannot be published. Please submit an image with a valid aspect ratio.` };
  }
  if (size.width < MIN_WIDTH || size.width > MAX_WIDTH) {
    return { ok: false, code: 2207004, message: `The image is ${size.width} pixels wide: it should be ${MIN_WIDTH} to ${MAX_WIDTH} pixels wide` };
  }
  return { ok: true, width: size.width, height: size.height };
}

/** Fetches a Page photo: any common image format, reachable. */
export async function checkPageImage(url: string, timeoutMs: number): Promise<MediaCheck> {
  const fetched = await download(url, timeoutMs);
  if (!fetched.ok) return { ok: false, code: 324, message: '(#324) Requires upload file: the photo URL could not be fetched' };
  const size = dimensionsOf(fetched.body);
  if (!size) return { ok: false, code: 324, message: '(#324) Missing or invalid image file' };
  return { ok: true, width: size.width, height: size.height };
}

/** A video must be reachable and look like an MP4 (`ftyp` box). */
export async function checkVideo(url: string, timeoutMs: number, errorCode: number): Promise<MediaCheck> {
  const fetched = await download(url, timeoutMs);
  if (!fetched.ok) return { ok: false, code: errorCode === 0 ? fetched.code : errorCode, message: fetched.message };
  if (fetched.body.subarray(4, 8).toString('latin1') !== 'ftyp') {
    return { ok: false, code: 2207026, message: 'The video format is not supported. Please check the video specifications' };
  }
  return { ok: true, width: 0, height: 0 };
}

function dimensionsOf(body: Buffer): { width: number; height: number; type: string } | null {
  try {
    const size = imageSize(body);
    return size.width && size.height && size.type ? { width: size.width, height: size.height, type: size.type } : null;
  } catch {
    return null;
  }
}
