import { chromium } from 'playwright-core';
import { chromiumArgs } from './browser-pool.ts';
import { missingSessionCookies, toStorageState, toStoredState, type BrowserCredentials, type StorageState } from './credentials.ts';
import { PageSession } from './page-session.ts';
import { LoginPage } from './pages/login-page.ts';
import type { BrowserSettings } from './settings.ts';

export interface LoginOptions {
  /** The account's current credentials: a stale session still gets the person to a checkpoint it is stuck on. */
  current: BrowserCredentials | null;
  /** Filled into the login form when given (headless runs); otherwise a person logs in by hand. */
  email?: string;
  password?: string;
  timeoutMs: number;
  /** Told what is going on ("log in in the window that opened"). */
  say(message: string): void;
}

const onLoginOrCheckpoint = (url: string) => /^\/(login|checkpoint|two_step_verification|two_factor)/.test(new URL(url).pathname);

/**
 * Opens Facebook's login page (or the checkpoint the account is stuck on) in Chromium and
 * waits until the browser holds a logged-in session (`c_user` and `xs`, off the login and
 * checkpoint pages). Returns the storage state to save, as stored (`.facebook.com` cookies).
 */
export async function logInToFacebook(settings: BrowserSettings, options: LoginOptions): Promise<{ storage_state: StorageState }> {
  const browser = await chromium.launch({ executablePath: settings.chromiumPath, headless: settings.headless, args: chromiumArgs(settings.sandbox) });
  try {
    const context = await browser.newContext({
      ...(options.current ? { storageState: toStorageState(options.current, settings.baseUrl) } : {}),
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    const session = new PageSession(page, settings);
    await page.goto(session.url('/'), { waitUntil: 'domcontentloaded', timeout: settings.navigationTimeoutMs });
    const atLogin = new URL(page.url()).pathname.startsWith('/login') || (await session.showsLoginForm());
    if (atLogin && options.email && options.password) {
      await new LoginPage(session).logIn(options.email, options.password);
    } else if (atLogin || onLoginOrCheckpoint(page.url())) {
      options.say(settings.headless ? 'Facebook asks to log in, and this run cannot show a window: pass --email and --password, or run without --headless' : 'Log in to Facebook in the browser window (pass any checkpoint); the session is saved once you are in.');
    }
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const state = (await context.storageState()) as StorageState;
      const stored = toStoredState(state, settings.baseUrl);
      const loggedIn = !page.isClosed() && !onLoginOrCheckpoint(page.url()) && missingSessionCookies(stored).length === 0 && !(await session.showsLoginForm());
      if (loggedIn) return stored;
      if (page.isClosed()) throw new Error('The browser window was closed before the login finished');
      if (Date.now() > deadline) {
        const where = new URL(page.url()).pathname;
        throw new Error(`Not logged in after ${Math.round(options.timeoutMs / 1000)}s (the browser is at ${where})`);
      }
      await page.waitForTimeout(500);
    }
  } finally {
    await browser.close().catch(() => undefined);
  }
}
