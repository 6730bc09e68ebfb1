import { describe, expect, it } from 'vitest';
import { signMediaUrl, verifyMediaSignature } from './signed-url.ts';

const secret = 'a-test-secret-of-some-length';
const mediaId = '5f0c1d7e-8a7b-4c55-9c1e-3f6f8e0c2b11';
const now = new Date('2026-03-01T12:00:00Z');

function signedParts(url: string) {
  const parsed = new URL(url);
  return {
    path: parsed.pathname,
    expires: Number(parsed.searchParams.get('expires')),
    signature: parsed.searchParams.get('signature') ?? '',
  };
}

describe('signed media URLs', () => {
  const url = signMediaUrl({ baseUrl: 'https://posts.example.com/', secret, mediaId, ttlSeconds: 600, now });
  const { path, expires, signature } = signedParts(url);

  it('points at the public media route with an expiry ttl seconds ahead', () => {
    expect(url.startsWith('https://posts.example.com/public/media/')).toBe(true);
    expect(path).toBe(`/public/media/${mediaId}`);
    expect(expires).toBe(now.getTime() / 1000 + 600);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies before expiry', () => {
    const later = new Date(now.getTime() + 599_000);
    expect(verifyMediaSignature({ secret, mediaId, expires, signature, now: later })).toBe(true);
  });

  it('refuses once expired', () => {
    const atExpiry = new Date(expires * 1000);
    expect(verifyMediaSignature({ secret, mediaId, expires, signature, now: atExpiry })).toBe(false);
  });

  it('refuses a tampered expiry, media id, signature or secret', () => {
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    expect(verifyMediaSignature({ secret, mediaId, expires: expires + 3600, signature, now })).toBe(false);
    expect(verifyMediaSignature({ secret, mediaId: mediaId.replace('5f', '6f'), expires, signature, now })).toBe(false);
    expect(verifyMediaSignature({ secret, mediaId, expires, signature: flipped, now })).toBe(false);
    expect(verifyMediaSignature({ secret, mediaId, expires, signature: signature.slice(2), now })).toBe(false);
    expect(verifyMediaSignature({ secret: `${secret}x`, mediaId, expires, signature, now })).toBe(false);
  });
});
