import { NO_DELAY, type DelayRange } from './pacing.ts';

/** How the browser is driven (see the package README for the variables that set these). */
export interface BrowserSettings {
  chromiumPath: string;
  /** Facebook, or a stand-in: `https://www.facebook.com` by default. */
  baseUrl: string;
  headless: boolean;
  /** Chromium's own sandbox (never as root, where Chromium refuses it). */
  sandbox: boolean;
  actionDelay: DelayRange;
  typingDelay: DelayRange;
  /** How long an expected element may take to appear before the page counts as changed. */
  elementTimeoutMs: number;
  /** How long photos may take to upload (Next and Publish stay disabled meanwhile). */
  uploadTimeoutMs: number;
  navigationTimeoutMs: number;
  /** How long a blocked account waits before it posts again. */
  blockCooldownMs: number;
  /** Contexts kept open after use (0: closed at once), and how long an idle one is kept. */
  warmContexts: number;
  warmContextIdleMs: number;
}

export function testBrowserSettings(overrides: Partial<BrowserSettings> = {}): BrowserSettings {
  return {
    chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    baseUrl: 'http://127.0.0.1',
    headless: true,
    sandbox: true,
    actionDelay: NO_DELAY,
    typingDelay: NO_DELAY,
    elementTimeoutMs: 10_000,
    uploadTimeoutMs: 15_000,
    navigationTimeoutMs: 15_000,
    blockCooldownMs: 24 * 3_600_000,
    warmContexts: 0,
    warmContextIdleMs: 60_000,
    ...overrides,
  };
}
