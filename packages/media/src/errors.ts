import type { MediaType } from './sniff.ts';

export class UnsupportedMediaError extends Error {
  override name = 'UnsupportedMediaError';
  constructor(message = 'The file is not a JPEG, PNG or WebP image, nor an MP4 video') {
    super(message);
  }
}

/** The file starts as an accepted type but cannot be read fully as one (truncated, damaged, absurd dimensions). */
export class DamagedMediaError extends Error {
  override name = 'DamagedMediaError';
}

export class MediaTooLargeError extends Error {
  override name = 'MediaTooLargeError';
  constructor(
    readonly type: MediaType,
    readonly maxBytes: number,
  ) {
    super(`${type.kind === 'image' ? 'Images' : 'Videos'} may be at most ${maxBytes} bytes`);
  }
}

/** The upload broke off or was malformed before the file was complete: the client's doing. */
export class IncompleteUploadError extends Error {
  override name = 'IncompleteUploadError';
  constructor(options?: ErrorOptions) {
    super('The upload ended before the file was complete', options);
  }
}
