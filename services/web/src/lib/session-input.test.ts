import { describe, expect, it } from 'vitest';
import { missingSessionCookies, parseSessionInput } from './session-input.ts';

describe('browser session input', () => {
  it('takes a Playwright storage state as it is', () => {
    const state = { cookies: [{ name: 'c_user', value: '1', domain: '.facebook.com', path: '/' }], origins: [] };
    expect(parseSessionInput(JSON.stringify(state))).toEqual({ storage_state: state });
  });

  it('takes a cookie export from a browser extension (a JSON array)', () => {
    const cookies = [{ name: 'xs', value: 'abc', domain: '.facebook.com', expirationDate: 1900000000, sameSite: 'no_restriction' }];
    expect(parseSessionInput(JSON.stringify(cookies))).toEqual({ cookies });
  });

  it('reads a Netscape cookies.txt, HttpOnly lines included', () => {
    const text = ['# Netscape HTTP Cookie File', '.facebook.com\tTRUE\t/\tTRUE\t1900000000\tc_user\t100', '#HttpOnly_.facebook.com\tTRUE\t/\tTRUE\t0\txs\tsecret'].join('\n');
    expect(parseSessionInput(text)).toEqual({
      cookies: [
        { name: 'c_user', value: '100', domain: '.facebook.com', path: '/', secure: true, httpOnly: false, expires: 1900000000 },
        { name: 'xs', value: 'secret', domain: '.facebook.com', path: '/', secure: true, httpOnly: true, expires: -1 },
      ],
    });
  });

  it('reads a Cookie header, values with "=" included', () => {
    const session = parseSessionInput('Cookie: c_user=100; xs=a=b; fr=z');
    expect(session).toEqual({
      cookies: [
        { name: 'c_user', value: '100', domain: '.facebook.com', path: '/', secure: true },
        { name: 'xs', value: 'a=b', domain: '.facebook.com', path: '/', secure: true },
        { name: 'fr', value: 'z', domain: '.facebook.com', path: '/', secure: true },
      ],
    });
    expect(missingSessionCookies(session)).toEqual([]);
  });

  it('names the login cookies that are missing', () => {
    expect(missingSessionCookies(parseSessionInput('fr=1'))).toEqual(['c_user', 'xs']);
  });

  it('says what is wrong with anything else', () => {
    expect(() => parseSessionInput('')).toThrow(/Paste the cookies/);
    expect(() => parseSessionInput('{"cookies": ')).toThrow(/does not parse/);
    expect(() => parseSessionInput('{"origins": []}')).toThrow(/neither a storage state/);
    expect(() => parseSessionInput('[{"name": "x"}]')).toThrow(/Cookie 1 has no name and value/);
    expect(() => parseSessionInput('hello world')).toThrow(/Not a storage state/);
  });
});
