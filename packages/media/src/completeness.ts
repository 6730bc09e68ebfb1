import { open, type FileHandle } from 'node:fs/promises';
import { DamagedMediaError } from './errors.ts';
import type { MediaType } from './sniff.ts';

/**
 * Checks, without decoding, that a file's structure runs to its end as its type requires, so a
 * file cut short in transfer is refused at upload rather than by a provider later: a PNG has its
 * IEND chunk, a JPEG its end-of-image marker, a WebP the length its RIFF header declares, and an
 * MP4's top-level boxes fit the file. Throws DamagedMediaError naming what is missing.
 */
export async function checkComplete(path: string, type: MediaType, sizeBytes: number): Promise<void> {
  const file = await open(path, 'r');
  try {
    const problem = await completenessProblem(file, type.mime, sizeBytes);
    if (problem) throw new DamagedMediaError(`The file is not a complete ${type.ext.toUpperCase()}: ${problem}`);
  } finally {
    await file.close();
  }
}

/** Trailing bytes some tools append after an image's end (a PNG's IEND is looked for this far back). */
const TAIL_BYTES = 64 * 1024;
const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const JPEG_END = Buffer.from([0xff, 0xd9]);
/** Enough for any real MP4's top level; a file of more boxes is refused rather than walked forever. */
const MAX_TOP_LEVEL_BOXES = 10_000;

async function completenessProblem(file: FileHandle, mime: string, size: number): Promise<string | null> {
  switch (mime) {
    case 'image/png':
      return (await read(file, Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES))).includes(PNG_END)
        ? null
        : 'it has no IEND chunk (it was cut short)';
    case 'image/jpeg':
      // Photos may carry data after their end-of-image marker (motion photos append a video), so it is looked for anywhere.
      return (await read(file, 2, size - 2)).includes(JPEG_END) ? null : 'it has no end-of-image marker (it was cut short)';
    case 'image/webp': {
      const header = await read(file, 4, 4);
      if (header.length < 4) return 'it ends inside its header';
      const declared = header.readUInt32LE(0) + 8;
      return declared <= size ? null : `its header declares ${declared} bytes but it has ${size}`;
    }
    case 'video/mp4':
      return mp4Problem(file, size);
    default:
      return null;
  }
}

async function mp4Problem(file: FileHandle, size: number): Promise<string | null> {
  let offset = 0;
  for (let boxes = 0; offset < size; boxes += 1) {
    if (boxes === MAX_TOP_LEVEL_BOXES) return `it has more than ${MAX_TOP_LEVEL_BOXES} top-level boxes`;
    if (size - offset < 8) return 'it ends inside a box header';
    const header = await read(file, offset, 16);
    const type = header.toString('latin1', 4, 8);
    let boxSize = header.readUInt32BE(0);
    if (boxSize === 0) return null; // the last box runs to the end of the file
    if (boxSize === 1) {
      if (size - offset < 16) return 'it ends inside a box header';
      boxSize = Number(header.readBigUInt64BE(8));
    }
    if (boxSize < 8) return `its "${type}" box has an invalid size`;
    if (offset + boxSize > size) return `it ends inside its "${type}" box`;
    offset += boxSize;
  }
  return null;
}

async function read(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, length));
  const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
  return buffer.subarray(0, bytesRead);
}
