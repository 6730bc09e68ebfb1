import { fileTypeFromBuffer } from 'file-type';

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

/** The accepted type of a file judged by its content (never its name or declared type), or null. */
export async function sniffMediaType(head: Uint8Array): Promise<MediaType | null> {
  const detected = await fileTypeFromBuffer(head);
  return acceptedMediaTypes.find((type) => type.mime === detected?.mime) ?? null;
}
