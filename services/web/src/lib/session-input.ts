// What a person pastes or uploads for a browser account, as the credentials the API accepts:
// a Playwright storage state ({cookies, origins}), a cookie export from a browser extension
// (a JSON array), a Netscape cookies.txt, or a Cookie header ("c_user=...; xs=...").

export interface Cookie {
  name: string;
  value: string;
  domain?: string;
  path?: string;
  [field: string]: unknown;
}

export type BrowserSession = { storage_state: { cookies: Cookie[]; origins?: unknown[] } } | { cookies: Cookie[] };

const FACEBOOK_DOMAIN = '.facebook.com';

function fromJson(value: unknown): BrowserSession {
  if (Array.isArray(value)) return { cookies: value.map(asCookie) };
  if (value && typeof value === 'object' && Array.isArray((value as { cookies?: unknown }).cookies)) {
    const state = value as { cookies: unknown[]; origins?: unknown[] };
    return { storage_state: { ...state, cookies: state.cookies.map(asCookie) } };
  }
  throw new Error('The JSON is neither a storage state (an object with "cookies") nor a list of cookies');
}

function asCookie(value: unknown, index: number): Cookie {
  const cookie = value as Partial<Cookie> | null;
  if (!cookie || typeof cookie.name !== 'string' || typeof cookie.value !== 'string') {
    throw new Error(`Cookie ${index + 1} has no name and value`);
  }
  return cookie as Cookie;
}

/** Netscape format: domain, include-subdomains, path, secure, expiry, name, value (tab-separated). */
function fromCookiesTxt(text: string): BrowserSession | null {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() && (!line.startsWith('#') || line.startsWith('#HttpOnly_')));
  const cookies = lines.map((line) => line.split('\t')).filter((fields) => fields.length >= 7);
  if (cookies.length === 0 || cookies.length !== lines.length) return null;
  return {
    cookies: cookies.map(([domain, , path, secure, expires, name, value]) => ({
      name: name!,
      value: value!.trim(),
      domain: domain!.replace(/^#HttpOnly_/, ''),
      path: path!,
      secure: secure === 'TRUE',
      httpOnly: domain!.startsWith('#HttpOnly_'),
      expires: Number(expires) || -1,
    })),
  };
}

/** "name=value; name2=value2", as copied from a request's Cookie header. */
function fromCookieHeader(text: string): BrowserSession | null {
  const pairs = text
    .replace(/^cookie:\s*/i, '')
    .split(';')
    .map((pair) => pair.trim())
    .filter(Boolean);
  if (pairs.length === 0 || !pairs.every((pair) => /^[^=\s]+=/.test(pair))) return null;
  return {
    cookies: pairs.map((pair) => {
      const at = pair.indexOf('=');
      return { name: pair.slice(0, at), value: pair.slice(at + 1), domain: FACEBOOK_DOMAIN, path: '/', secure: true };
    }),
  };
}

export function parseSessionInput(text: string): BrowserSession {
  const trimmed = text.trim();
  if (!trimmed) throw new Error('Paste the cookies or choose a file first');
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new Error('This looks like JSON but does not parse; paste the whole file');
    }
    return fromJson(parsed);
  }
  const session = fromCookiesTxt(trimmed) ?? fromCookieHeader(trimmed);
  if (!session) throw new Error('Not a storage state, a cookie export, a cookies.txt or a Cookie header');
  return session;
}

/** Facebook needs these two cookies for a logged-in session. */
export function missingSessionCookies(session: BrowserSession): string[] {
  const cookies = 'storage_state' in session ? session.storage_state.cookies : session.cookies;
  return ['c_user', 'xs'].filter((name) => !cookies.some((cookie) => cookie.name === name));
}
