import type { Page } from 'playwright-core';
import { PublishError } from '@autoposter/publisher';

export interface Evidence {
  screenshot?: Buffer;
  html?: string;
}

/** Values that must never leave the browser: every cookie value of 8+ characters, whatever its name. */
export const secretValues = (cookies: { value: string }[]) => [...new Set(cookies.map((c) => c.value).filter((v) => v.length >= 8))];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The page's HTML as a person may read it later: cookie values, password fields' values and
 * the hidden form tokens Facebook embeds (`fb_dtsg`, `lsd`, `jazoest`) are replaced.
 */
export function scrubHtml(html: string, secrets: string[]): string {
  let scrubbed = html
    .replace(/(<input[^>]*type=["']?password["']?[^>]*value=)(["'])[^"']*\2/gi, '$1$2[redacted]$2')
    .replace(/(["']?(?:fb_dtsg|lsd|jazoest|xs|c_user|datr|fr|sb)["']?\s*[:=]\s*["'])[^"']*(["'])/gi, '$1[redacted]$2')
    .replace(/(name=["'](?:fb_dtsg|lsd|jazoest)["'][^>]*value=["'])[^"']*(["'])/gi, '$1[redacted]$2');
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
