import type { AccountKind } from '@autoposter/db';
import { missingSessionCookies } from '@autoposter/facebook-browser/credentials';
import { badRequest } from '../plugins/errors.ts';

/** What is stored (encrypted) per account kind; the publishers read these shapes back. */
export interface BrowserCookie {
  name: string;
  value: string;
  [field: string]: unknown;
}
export type FacebookBrowserCredentials =
  | { storage_state: { cookies: BrowserCookie[]; [field: string]: unknown } }
  | { cookies: BrowserCookie[] };
export interface FacebookPageCredentials {
  page_id: string;
  access_token: string;
}
export interface InstagramBusinessCredentials {
  ig_user_id: string;
  access_token: string;
  /** `facebook` (default): connected through a Page, graph.facebook.com; `instagram`: Instagram Login, graph.instagram.com. */
  login?: 'facebook' | 'instagram';
}
export type AccountCredentials = FacebookBrowserCredentials | FacebookPageCredentials | InstagramBusinessCredentials;

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

function acceptOnly(input: Fields, accepted: string[], field: string) {
  const unknown = Object.keys(input).find((key) => !accepted.includes(key));
  if (unknown !== undefined) throw badRequest(`${field}.${unknown} is not accepted here; send ${accepted.join(' or ')}`);
}

function requireText(input: Fields, key: string, field: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`${field}.${key} must be a non-empty string`);
  return value;
}

function cookieList(value: unknown, field: string, { nonEmpty }: { nonEmpty: boolean }): BrowserCookie[] {
  if (!Array.isArray(value)) throw badRequest(`${field} must be an array of cookies`);
  if (nonEmpty && value.length === 0) throw badRequest(`${field} must contain at least one cookie`);
  value.forEach((cookie: unknown, index) => {
    if (!isObject(cookie)) throw badRequest(`${field}[${index}] must be a cookie object`);
    requireText(cookie, 'name', `${field}[${index}]`);
    if (typeof cookie.value !== 'string') throw badRequest(`${field}[${index}].value must be a string`);
  });
  return value as BrowserCookie[];
}

/** A Playwright storage state, or a bare cookie export (for instance from a browser extension). */
function browserSession(input: Fields, field: string): FacebookBrowserCredentials {
  const credentials = browserCookies(input, field);
  const missing = missingSessionCookies(credentials);
  if (missing.length > 0) {
    const where = 'storage_state' in credentials ? `${field}.storage_state.cookies` : `${field}.cookies`;
    throw badRequest(
      `${where} lacks the Facebook session cookie${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}: export the cookies while logged in to facebook.com`,
    );
  }
  return credentials;
}

function browserCookies(input: Fields, field: string): FacebookBrowserCredentials {
  acceptOnly(input, ['storage_state', 'cookies'], field);
  if (input.storage_state !== undefined && input.cookies !== undefined) {
    throw badRequest(`${field}: send storage_state or cookies, not both`);
  }
  if (input.storage_state !== undefined) {
    const state = input.storage_state;
    if (!isObject(state)) throw badRequest(`${field}.storage_state must be a Playwright storage state object`);
    return { storage_state: { ...state, cookies: cookieList(state.cookies, `${field}.storage_state.cookies`, { nonEmpty: false }) } };
  }
  if (input.cookies !== undefined) return { cookies: cookieList(input.cookies, `${field}.cookies`, { nonEmpty: true }) };
  throw badRequest(`${field}.storage_state or ${field}.cookies is required`);
}

function pageCredentials(input: Fields, field: string): FacebookPageCredentials {
  acceptOnly(input, ['page_id', 'access_token'], field);
  return { page_id: requireText(input, 'page_id', field), access_token: requireText(input, 'access_token', field) };
}

const instagramLogins = ['facebook', 'instagram'] as const;

function instagramCredentials(input: Fields, field: string): InstagramBusinessCredentials {
  acceptOnly(input, ['ig_user_id', 'access_token', 'login'], field);
  const login = input.login ?? 'facebook';
  if (!instagramLogins.includes(login as never)) throw badRequest(`${field}.login must be one of: ${instagramLogins.join(', ')}`);
  return {
    ig_user_id: requireText(input, 'ig_user_id', field),
    access_token: requireText(input, 'access_token', field),
    ...(input.login !== undefined ? { login: login as InstagramBusinessCredentials['login'] } : {}),
  };
}

const credentialParsers: Record<AccountKind, (input: Fields, field: string) => AccountCredentials> = {
  facebook_browser: browserSession,
  facebook_page: pageCredentials,
  instagram_business: instagramCredentials,
};

/** The credentials to store for a new account, or a 400 naming the field at fault. */
export function parseCredentials(kind: AccountKind, input: Fields): AccountCredentials {
  return credentialParsers[kind](input, 'body.credentials');
}

/**
 * The credentials after a session update: a new storage state or cookies for a browser account,
 * a new access token for a Meta account (which keeps its page or Instagram user id).
 */
export function parseSessionUpdate(kind: AccountKind, input: Fields, current: AccountCredentials): AccountCredentials {
  if (kind === 'facebook_browser') return browserSession(input, 'body');
  acceptOnly(input, ['access_token'], 'body');
  return { ...(current as FacebookPageCredentials | InstagramBusinessCredentials), access_token: requireText(input, 'access_token', 'body') };
}
