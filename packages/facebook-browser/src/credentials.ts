/**
 * Browser credentials as people bring them: a Playwright storage state, or the cookie JSON the
 * common extensions export (Cookie-Editor, EditThisCookie). Cookies of `.facebook.com` are
 * moved to FACEBOOK_BASE_URL's host, so the same account works against a stand-in; a saved
 * state is moved back, so what is stored always names Facebook.
 */
export type PlaywrightCookie = {
  name: string;
  value: string;
  domain: string;
  path: string;
  expires: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'Strict' | 'Lax' | 'None';
};

export type StorageState = {
  cookies: PlaywrightCookie[];
  origins: { origin: string; localStorage: { name: string; value: string }[] }[];
};

export type BrowserCredentials = { storage_state: Record<string, unknown> } | { cookies: Record<string, unknown>[] };

/** The cookies without which Facebook has no session: `c_user` (the user id) and `xs` (the session secret). */
export const SESSION_COOKIES = ['c_user', 'xs'] as const;

const FACEBOOK_DOMAIN = 'facebook.com';

const cookiesOf = (credentials: BrowserCredentials): Record<string, unknown>[] => {
  if ('storage_state' in credentials) {
    const cookies = (credentials.storage_state as { cookies?: unknown }).cookies;
    return Array.isArray(cookies) ? (cookies as Record<string, unknown>[]) : [];
  }
  return Array.isArray(credentials.cookies) ? credentials.cookies : [];
};

const isFacebookDomain = (domain: string) => {
  const bare = domain.replace(/^\./, '').toLowerCase();
  return bare === FACEBOOK_DOMAIN || bare.endsWith(`.${FACEBOOK_DOMAIN}`);
};

/** Which of `c_user` and `xs` the credentials lack (with a non-empty value, for Facebook's domain). */
export function missingSessionCookies(credentials: BrowserCredentials): string[] {
  const present = new Set(
    cookiesOf(credentials)
      .filter((c) => typeof c.value === 'string' && c.value !== '' && (typeof c.domain !== 'string' || c.domain === '' || isFacebookDomain(c.domain)))
      .map((c) => c.name),
  );
  return SESSION_COOKIES.filter((name) => !present.has(name));
}

/** The Facebook user id a session is for (the `c_user` cookie). */
export function sessionUserId(credentials: BrowserCredentials): string | null {
  const cookie = cookiesOf(credentials).find((c) => c.name === 'c_user');
  return typeof cookie?.value === 'string' ? cookie.value : null;
}

const sameSiteOf = (value: unknown): PlaywrightCookie['sameSite'] => {
  const text = String(value ?? '').toLowerCase();
  if (text === 'strict') return 'Strict';
  if (text === 'none' || text === 'no_restriction') return 'None';
  return 'Lax';
};

const expiresOf = (cookie: Record<string, unknown>): number => {
  for (const key of ['expires', 'expirationDate']) {
    const value = cookie[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return -1;
};

/** A storage state for a context on `baseUrl`, from what the account stored. */
export function toStorageState(credentials: BrowserCredentials, baseUrl: string): StorageState {
  const base = new URL(baseUrl);
  const onFacebook = isFacebookDomain(base.hostname);
  const secureBase = base.protocol === 'https:';
  const cookies = cookiesOf(credentials).flatMap((cookie): PlaywrightCookie[] => {
    if (typeof cookie.name !== 'string' || typeof cookie.value !== 'string') return [];
    const domain = typeof cookie.domain === 'string' && cookie.domain !== '' ? cookie.domain : `.${FACEBOOK_DOMAIN}`;
    if (!onFacebook && !isFacebookDomain(domain)) return [];
    const sameSite = sameSiteOf(cookie.sameSite);
    const secure = secureBase && (cookie.secure === true || sameSite === 'None');
    return [
      {
        name: cookie.name,
        value: cookie.value,
        domain: onFacebook ? domain : base.hostname,
        path: typeof cookie.path === 'string' ? cookie.path : '/',
        expires: expiresOf(cookie),
        httpOnly: cookie.httpOnly === true,
        secure,
        // Chromium refuses SameSite=None without Secure (a plain-HTTP stand-in).
        sameSite: sameSite === 'None' && !secure ? 'Lax' : sameSite,
      },
    ];
  });
  const origins = 'storage_state' in credentials && Array.isArray(credentials.storage_state.origins)
    ? (credentials.storage_state.origins as StorageState['origins']).filter((o) => onFacebook || isFacebookDomain(new URL(o.origin).hostname))
        .map((o) => ({ ...o, origin: onFacebook ? o.origin : base.origin }))
    : [];
  return { cookies, origins };
}

/** A context's storage state as stored: cookies of the stand-in's host named `.facebook.com` again. */
export function toStoredState(state: StorageState, baseUrl: string): { storage_state: StorageState } {
  const base = new URL(baseUrl);
  if (isFacebookDomain(base.hostname)) return { storage_state: state };
  const own = (domain: string) => domain.replace(/^\./, '') === base.hostname;
  return {
    storage_state: {
      cookies: state.cookies
        .filter((c) => own(c.domain))
        .map((c) => ({ ...c, domain: `.${FACEBOOK_DOMAIN}`, secure: true, sameSite: c.sameSite })),
      origins: state.origins.filter((o) => new URL(o.origin).host === base.host).map((o) => ({ ...o, origin: 'https://www.facebook.com' })),
    },
  };
}
