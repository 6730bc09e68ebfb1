import { describe, expect, it } from 'vitest';
import { missingSessionCookies, toStorageState, toStoredState } from './credentials.ts';
import { parseDelayRange } from './pacing.ts';

/** What Cookie-Editor exports for facebook.com (EditThisCookie's shape is the same, plus an `id`). */
const cookieEditor = [
  { domain: '.facebook.com', expirationDate: 1_900_000_000.5, hostOnly: false, httpOnly: false, name: 'c_user', path: '/', sameSite: 'no_restriction', secure: true, session: false, storeId: '0', value: '100012345' },
  { domain: '.facebook.com', expirationDate: 1_900_000_000, hostOnly: false, httpOnly: true, name: 'xs', path: '/', sameSite: 'no_restriction', secure: true, session: false, storeId: '0', value: '12%3Asecret' },
  { domain: '.example.com', name: 'other', path: '/', value: 'elsewhere' },
];

describe('browser credentials', () => {
  it('names the session cookies a credential lacks', () => {
    expect(missingSessionCookies({ cookies: cookieEditor })).toEqual([]);
    expect(missingSessionCookies({ cookies: [cookieEditor[0]!] })).toEqual(['xs']);
    expect(missingSessionCookies({ storage_state: { cookies: [], origins: [] } })).toEqual(['c_user', 'xs']);
    expect(missingSessionCookies({ cookies: [{ ...cookieEditor[0]!, value: '' }, cookieEditor[1]!] })).toEqual(['c_user']);
  });

  it('keeps Facebook cookies as they are for Facebook', () => {
    const state = toStorageState({ cookies: cookieEditor }, 'https://www.facebook.com');
    expect(state.cookies).toEqual([
      { name: 'c_user', value: '100012345', domain: '.facebook.com', path: '/', expires: 1_900_000_000.5, httpOnly: false, secure: true, sameSite: 'None' },
      { name: 'xs', value: '12%3Asecret', domain: '.facebook.com', path: '/', expires: 1_900_000_000, httpOnly: true, secure: true, sameSite: 'None' },
      { name: 'other', value: 'elsewhere', domain: '.example.com', path: '/', expires: -1, httpOnly: false, secure: false, sameSite: 'Lax' },
    ]);
  });

  it("moves .facebook.com cookies to a stand-in's host, and back when saving", () => {
    const state = toStorageState({ cookies: cookieEditor }, 'http://127.0.0.1:3400');
    expect(state.cookies.map((c) => [c.name, c.domain, c.secure, c.sameSite])).toEqual([
      ['c_user', '127.0.0.1', false, 'Lax'],
      ['xs', '127.0.0.1', false, 'Lax'],
    ]);
    const saved = toStoredState({ ...state, cookies: [...state.cookies, { ...state.cookies[0]!, name: 'fr', value: 'rotated' }] }, 'http://127.0.0.1:3400');
    expect(saved.storage_state.cookies.map((c) => [c.name, c.domain])).toEqual([
      ['c_user', '.facebook.com'],
      ['xs', '.facebook.com'],
      ['fr', '.facebook.com'],
    ]);
  });
});

describe('pacing ranges', () => {
  it.each([
    ['400ms-1500ms', { minMs: 400, maxMs: 1500 }],
    ['1.5s', { minMs: 1500, maxMs: 1500 }],
    ['0', { minMs: 0, maxMs: 0 }],
  ])('reads %s', (text, range) => {
    expect(parseDelayRange(text, 'BROWSER_ACTION_DELAY')).toEqual(range);
  });

  it.each(['fast', '2s-1s', '400'])('refuses %s naming the variable', (text) => {
    expect(() => parseDelayRange(text, 'BROWSER_ACTION_DELAY')).toThrow(/BROWSER_ACTION_DELAY/);
  });
});
