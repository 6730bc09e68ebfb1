import { fileTypeFromBuffer } from 'file-type';
import { DamagedMediaError } from './errors.ts';

export type MediaKind = 'image' | 'video';

export interface MediaType {
  mime: string;
  ext: string;
  kind: MediaKind;
}

/** What providers accept from us; anything else is refused at upload. */
export const acceptedMediaTypes: readonly MediaType[] = [
  { mime: 'image/jpeg', ext: 'jpg', kind: 'image' },
  { mime: 'image/png', ext: 'png', kind: 'image' },
  { mime: 'image/webp', ext: 'webp', kind: 'image' },
  { mime: 'video/mp4', ext: 'mp4', kind: 'video' },
];

/** How many leading bytes file-type needs to recognise every accepted type. */
export const sniffBytes = 4100;

/**
 * The accepted type of a file judged by its content (never its name or declared type), or null.
 * A file whose signature promises a structure it then breaks off (a PNG signature alone, a ZIP
 * header cut short) throws DamagedMediaError: file-type reads past its end.
 */
export async function sniffMediaType(head: Uint8Array): Promise<MediaType | null> {
  const detected = await fileTypeFromBuffer(head).catch((err: unknown) => {
    throw new DamagedMediaError('The file ends before its type can be recognised: it is damaged or incomplete', { cause: err });
  });
  return acceptedMediaTypes.find((type) => type.mime === detected?.mime) ?? null;
}
