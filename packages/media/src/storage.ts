import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { imageSizeFromFile } from 'image-size/fromFile';
import { checkComplete } from './completeness.ts';
import { DamagedMediaError, IncompleteUploadError, MediaTooLargeError, UnsupportedMediaError } from './errors.ts';
import { sniffBytes, sniffMediaType, type MediaType } from './sniff.ts';

/** Absolute path of a stored file; refuses a key that would leave the media directory. */
export function mediaFilePath(dir: string, storageKey: string): string {
  const root = resolve(dir);
  const path = resolve(root, storageKey);
  const inside = relative(root, path);
  if (!inside || inside.startsWith('..') || isAbsolute(inside)) throw new Error('storage key outside the media directory');
  return path;
}

/** Files live at `<owner id>/<media id>.<ext>` under the media directory. */
export const storageKeyFor = (ownerId: string, mediaId: string, ext: string) => `${ownerId}/${mediaId}.${ext}`;

export interface SaveUploadOptions {
  dir: string;
  ownerId: string;
  mediaId: string;
  /** The upload; a stream cut short at a size limit says so with `truncated` (as busboy's does). */
  source: Readable & { truncated?: boolean };
  /** The largest accepted size for a type. */
  maxBytes(type: MediaType): number;
}

export interface SavedMedia {
  storageKey: string;
  mime: string;
  sizeBytes: number;
  sha256: string;
  width: number | null;
  height: number | null;
}

/**
 * Streams an upload to a temporary file while hashing it, recognises its type from its first
 * bytes and stops as soon as it passes that type's limit, then moves it to its final key.
 * Throws UnsupportedMediaError, DamagedMediaError (cut short, unreadable, or dimensions beyond
 * `MAX_DIMENSION`), MediaTooLargeError or IncompleteUploadError (the source failed);
 * nothing is left on disk when it throws.
 */
export async function saveUpload({ dir, ownerId, mediaId, source, maxBytes }: SaveUploadOptions): Promise<SavedMedia> {
  const tempPath = join(dir, '.incoming', `${randomUUID()}.part`);
  await mkdir(dirname(tempPath), { recursive: true });
  const inspection = new UploadInspection(maxBytes);
  try {
    await pipeline(source, inspection.pass, createWriteStream(tempPath));
    const type = inspection.type();
    if (source.truncated) throw new MediaTooLargeError(type, maxBytes(type));
    await checkComplete(tempPath, type, inspection.size);
    const dimensions = type.kind === 'image' ? await readDimensions(tempPath) : { width: null, height: null };
    const storageKey = storageKeyFor(ownerId, mediaId, type.ext);
    const finalPath = mediaFilePath(dir, storageKey);
    await mkdir(dirname(finalPath), { recursive: true });
    await rename(tempPath, finalPath);
    return { storageKey, mime: type.mime, sizeBytes: inspection.size, sha256: inspection.sha256(), ...dimensions };
  } catch (err) {
    await rm(tempPath, { force: true });
    throw failedOnItsOwn(source, err) ? new IncompleteUploadError({ cause: err }) : err;
  }
}

/** The pipeline destroys the source with whatever failed first: only a foreign error is the source's own. */
function failedOnItsOwn(source: Readable, err: unknown): boolean {
  const ours = err instanceof UnsupportedMediaError || err instanceof DamagedMediaError || err instanceof MediaTooLargeError;
  const system = Boolean((err as NodeJS.ErrnoException | null)?.syscall);
  return err === source.errored && !ours && !system;
}

/** Counts, hashes and types the bytes flowing through `pass`. */
class UploadInspection {
  size = 0;
  private readonly hash = createHash('sha256');
  private detected: MediaType | null = null;

  constructor(private readonly maxBytes: (type: MediaType) => number) {}

  /** The pipeline stage: passes chunks through once the type is known and the size allowed. */
  readonly pass = (chunks: AsyncIterable<Buffer>) => this.inspect(chunks);

  private async *inspect(chunks: AsyncIterable<Buffer>) {
    let head: Buffer[] = [];
    for await (const chunk of chunks) {
      this.count(chunk);
      if (this.detected) {
        yield chunk;
        continue;
      }
      head.push(chunk);
      if (this.size < sniffBytes) continue;
      await this.detect(Buffer.concat(head));
      yield* head;
      head = [];
    }
    if (!this.detected) {
      await this.detect(Buffer.concat(head));
      yield* head;
    }
  }

  type(): MediaType {
    if (!this.detected) throw new UnsupportedMediaError();
    return this.detected;
  }

  sha256(): string {
    return this.hash.digest('hex');
  }

  private count(chunk: Buffer) {
    this.size += chunk.length;
    this.hash.update(chunk);
    if (this.detected) this.checkSize(this.detected);
  }

  private async detect(head: Buffer) {
    const type = await sniffMediaType(head);
    if (!type) throw new UnsupportedMediaError();
    this.checkSize(type);
    this.detected = type;
  }

  private checkSize(type: MediaType) {
    const limit = this.maxBytes(type);
    if (this.size > limit) throw new MediaTooLargeError(type, limit);
  }
}

/** The largest width or height stored (the columns are Postgres `integer`). */
export const MAX_DIMENSION = 2_147_483_647;

/** Displayed width and height: EXIF orientations 5-8 rotate the picture a quarter turn. */
async function readDimensions(path: string): Promise<{ width: number; height: number }> {
  const size = await imageSizeFromFile(path).catch((err: unknown) => {
    throw new DamagedMediaError('The image could not be read: the file is damaged or incomplete', { cause: err });
  });
  for (const [name, value] of [['width', size.width], ['height', size.height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
      throw new DamagedMediaError(`The image's header gives a ${name} of ${value} pixels; it must be between 1 and ${MAX_DIMENSION}`);
    }
  }
  const quarterTurn = (size.orientation ?? 1) >= 5;
  return quarterTurn ? { width: size.height, height: size.width } : { width: size.width, height: size.height };
}

/** A stored file to stream, or null when it is missing on disk. */
export async function openMediaFile(dir: string, storageKey: string): Promise<{ stream: ReadStream; sizeBytes: number } | null> {
  const path = mediaFilePath(dir, storageKey);
  try {
    const { size } = await stat(path);
    return { stream: createReadStream(path), sizeBytes: size };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Removes a stored file; missing files are fine. */
export async function removeMediaFile(dir: string, storageKey: string): Promise<void> {
  await rm(mediaFilePath(dir, storageKey), { force: true });
}

/** Removes every stored file of an owner (their directory under the media root); missing is fine. */
export async function removeOwnerMedia(dir: string, ownerId: string): Promise<void> {
  await rm(mediaFilePath(dir, ownerId), { recursive: true, force: true });
}
