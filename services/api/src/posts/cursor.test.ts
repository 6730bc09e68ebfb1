import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

const position = { createdAt: '2026-11-01T10:20:30.123456Z', id: '0b9d6a4e-4c8e-4d8b-9a39-5c8d1f8e2a10' };
const encode = (text: string) => Buffer.from(text).toString('base64url');

describe('post cursor', () => {
  it('round-trips a position, keeping microseconds', () => {
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    ['not base64 at all', '!!!'],
    ['no separator', encode('2026-11-01T10:20:30.123456Z')],
    ['an impossible date', encode(`2026-02-30T10:20:30.123456Z|${position.id}`)],
    ['milliseconds only', encode(`2026-11-01T10:20:30.123Z|${position.id}`)],
    ['an id that is not a UUID', encode('2026-11-01T10:20:30.123456Z|42')],
    ['extra parts', encode(`${position.createdAt}|${position.id}|x`)],
  ])('refuses %s with a 400 naming the cursor', (_, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ statusCode: 400, message: expect.stringContaining('cursor') }));
  });
});
