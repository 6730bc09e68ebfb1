import { crc32, deflateSync } from 'node:zlib';

/** Small, valid media files built in memory, for tests here and in the services. */

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real RGB PNG of the given size (black pixels). */
export function samplePng(width = 3, height = 2): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A JPEG whose frame header gives its size; enough for type and dimension detection. */
export function sampleJpeg(width = 4, height = 5): Buffer {
  const frame = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
  frame.writeUInt16BE(height, 5);
  frame.writeUInt16BE(width, 7);
  const jfif = Buffer.concat([Buffer.from([0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0', 'ascii'), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0])]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), jfif, frame, Buffer.from([0xff, 0xd9])]);
}

/**
 * A real JPEG with the middle third of its entropy-coded scan zeroed, its markers (end-of-image
 * included) intact: complete by structure, damaged inside (the decoder runs out of scan data
 * before its last block).
 */
export function withCorruptScan(jpeg: Buffer): Buffer {
  const startOfScan = jpeg.indexOf(Buffer.from([0xff, 0xda]));
  const scanStart = startOfScan + 2 + jpeg.readUInt16BE(startOfScan + 2);
  const scanEnd = jpeg.lastIndexOf(Buffer.from([0xff, 0xd9]));
  const third = Math.floor((scanEnd - scanStart) / 3);
  return Buffer.from(jpeg).fill(0, scanStart + third, scanEnd - third);
}

/** A WebP cut to `fraction` of its bytes, its RIFF header rewritten to the new length, so only decoding finds it short. */
export function cutWebp(webp: Buffer, fraction = 0.6): Buffer {
  const cut = Buffer.from(webp.subarray(0, Math.floor(webp.length * fraction)));
  cut.writeUInt32LE(cut.length - 8, 4);
  return cut;
}

/** The start of an MP4 (an ftyp box), padded to `size` bytes. */
export function sampleMp4(size = 64): Buffer {
  const ftyp = Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypisom', 'ascii'),
    Buffer.from([0, 0, 2, 0]),
    Buffer.from('isommp41', 'ascii'),
  ]);
  return Buffer.concat([ftyp, Buffer.alloc(Math.max(0, size - ftyp.length))]);
}

/** Plain text: not media whatever it is called. */
export const sampleText = () => Buffer.from('just some text pretending to be a picture\n'.repeat(10));

export interface FormFile {
  field?: string;
  /** null: a plain form field (no filename, no type). */
  filename?: string | null;
  contentType?: string;
  data: Buffer;
}

/** A multipart/form-data request body (for `app.inject`) carrying the given files. */
export function multipartForm(...files: FormFile[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----autoposter-test-${Math.random().toString(16).slice(2)}`;
  const parts = files.map(({ field = 'file', filename = 'upload.bin', contentType = 'application/octet-stream', data }) =>
    Buffer.concat([
      Buffer.from(
        filename === null
          ? `--${boundary}\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n`
          : `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
      ),
      data,
      Buffer.from('\r\n'),
    ]),
  );
  return {
    payload: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
