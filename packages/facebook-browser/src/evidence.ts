import type { Page } from 'playwright-core';
import { PublishError } from '@autoposter/publisher';

export interface Evidence {
  screenshot?: Buffer;
  html?: string;
}

/** Values that must never leave the browser: every cookie value of 8+ characters, whatever its name. */
export const secretValues = (cookies: { value: string }[]) => [...new Set(cookies.map((c) => c.value).filter((v) => v.length >= 8))];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Keys whose values are secrets wherever they stand (`"token":"…"`, `\"xs\":\"…\"`): form tokens and session cookies. */
const SECRET_KEYS = 'fb_dtsg|fb_dtsg_ag|lsd|jazoest|token|async_get_token|xs|c_user|datr|fr|sb';
const secretPair = new RegExp(String.raw`((?<![\w-])\\?["']?(?:${SECRET_KEYS})\\?["']?\s*[:=]\s*\\?(["']))(?:(?!\\?\2).)*`, 'gi');
/** The form tokens in a URL's query (`?fb_dtsg_ag=…&`). */
const secretQuery = /([?&](?:amp;)?(?:fb_dtsg(?:_ag)?|lsd|jazoest)=)[^&"'\s<>]*/gi;
/** An input holding a password or one of Facebook's form tokens, whatever the order of its attributes. */
const secretInput = /(?<![\w-])type=["']?password\b|(?<![\w-])name=["']?(?:fb_dtsg|lsd|jazoest)\b/i;
const valueAttribute = /((?<![\w-])value=)(["'])[^"']*\2/i;

/**
 * The page's HTML as a person may read it later: cookie values, password fields' values and
 * the form tokens Facebook embeds (`fb_dtsg`, `lsd`, `jazoest` as hidden inputs, and as the
 * `"token"` of its `DTSGInitialData` and `LSD` modules) are replaced.
 */
export function scrubHtml(html: string, secrets: string[]): string {
  let scrubbed = html
    .replace(/<input\b[^>]*>/gi, (tag) => (secretInput.test(tag) ? tag.replace(valueAttribute, '$1$2[redacted]$2') : tag))
    .replace(secretPair, '$1[redacted]')
    .replace(secretQuery, '$1[redacted]');
  for (const secret of secrets) scrubbed = scrubbed.replace(new RegExp(escapeRegExp(secret), 'g'), '[redacted]');
  for (const secret of secrets) scrubbed = scrubbed.replace(new RegExp(escapeRegExp(encodeURIComponent(secret)), 'g'), '[redacted]');
  return scrubbed;
}

/** A full-page PNG and the scrubbed HTML of the page as it failed; whatever can still be taken. */
export async function captureEvidence(page: Page): Promise<Evidence> {
  if (page.isClosed()) return {};
  const cookies = await page.context().cookies().catch(() => []);
  const [screenshot, html] = await Promise.all([
    page.screenshot({ fullPage: true, type: 'png', timeout: 10_000 }).catch(() => undefined),
    page.content().catch(() => undefined),
  ]);
  return { ...(screenshot ? { screenshot } : {}), ...(html ? { html: scrubHtml(html, secretValues(cookies)) } : {}) };
}

/** The same failure with the page's evidence attached. */
export function withEvidence(error: PublishError, evidence: Evidence): PublishError {
  const copy = new PublishError(error.type, error.message, {
    ...(error.code !== undefined ? { code: error.code } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    outcomeUnknown: error.outcomeUnknown,
    cause: error.cause,
    ...(evidence.screenshot ? { screenshot: evidence.screenshot } : {}),
    ...(evidence.html ? { html: evidence.html } : {}),
  });
  copy.stack = error.stack;
  return copy;
}
