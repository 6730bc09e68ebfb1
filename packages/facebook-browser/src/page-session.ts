import type { Locator, Page } from 'playwright-core';
import { PublishError, type ErrorType } from '@autoposter/publisher';
import { SESSION_COOKIES } from './credentials.ts';
import { anyBlock, anyCaptcha, anyLoginPassword, anyLoginSubmit, englishUS, languageName, localeFor, locales, pageLanguage, type Locale, type LocaleTexts } from './locales.ts';
import { Pacer } from './pacing.ts';
import type { BrowserSettings } from './settings.ts';

const isTimeout = (error: unknown) => error instanceof Error && error.name === 'TimeoutError';

/** What the page says about the account, whatever the flow expected: null when nothing is wrong. */
export interface AccessProblem {
  type: Extract<ErrorType, 'session_expired' | 'captcha' | 'rate_limit'>;
  message: string;
}

/**
 * One page of Facebook driven for one flow: navigation, the interface language read from
 * `<html lang>`, pacing, and the classification of what went wrong (the page objects name the
 * element they looked for; this decides whether the page changed or the account is in trouble).
 */
export class PageSession {
  locale: Locale = englishUS;
  readonly pacer: Pacer;

  constructor(
    readonly page: Page,
    readonly settings: BrowserSettings,
    readonly signal?: AbortSignal,
  ) {
    this.pacer = new Pacer(settings.actionDelay, settings.typingDelay);
    // A native "Leave page?" (beforeunload) prompt: we only leave on purpose.
    page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
  }

  get texts(): LocaleTexts {
    return this.locale.texts;
  }

  url(path: string): string {
    return new URL(path, this.settings.baseUrl).toString();
  }

  /** Opens a Facebook path, checks the session is still good and reads the page's language. */
  async open(path: string): Promise<void> {
    try {
      await this.page.goto(this.url(path), { waitUntil: 'domcontentloaded' });
    } catch (error) {
      if (this.signal?.aborted) throw error;
      throw new PublishError('network_error', `Could not open ${path} on Facebook: ${firstLine(error)}`, { cause: error });
    }
    await this.ensureAccess();
    await this.readLanguage();
  }

  /** The page's interface language (see `localeFor`); one without a table fails, naming it. */
  async readLanguage(): Promise<void> {
    const lang = await this.page.evaluate(() => document.documentElement.lang).catch(() => '');
    const cookies = await this.page.context().cookies(this.page.url()).catch(() => []);
    const localeCookie = cookies.find((cookie) => cookie.name === 'locale')?.value ?? null;
    const language = pageLanguage(lang, localeCookie);
    const locale = localeFor(language);
    if (!locale) throw unsupportedLanguage(language);
    this.locale = locale;
  }

  /** Throws the account's problem (logged out, checkpoint, captcha, block) if the page shows one. */
  async ensureAccess(): Promise<void> {
    const problem = await this.accessProblem();
    if (problem) throw this.accessError(problem);
  }

  accessError(problem: AccessProblem): PublishError {
    return new PublishError(problem.type, problem.message, problem.type === 'rate_limit' ? { retryAfterMs: this.settings.blockCooldownMs } : {});
  }

  async accessProblem(): Promise<AccessProblem | null> {
    const path = new URL(this.page.url()).pathname;
    if (/^\/(checkpoint|two_step_verification|two_factor)/.test(path)) {
      return { type: 'captcha', message: 'Facebook asks this account to pass a security checkpoint: log in by hand (pnpm cli facebook-login) and update the session' };
    }
    if (/^\/login/.test(path)) return sessionExpired('Facebook sent the browser to its login page');
    if (await this.showsLoginForm()) return sessionExpired('Facebook shows its login form instead of the page');
    if (await this.lostSessionCookies()) return sessionExpired('Facebook ended the session (its c_user and xs cookies are gone)');
    const text = await this.noticeText();
    const block = anyBlock.exec(text);
    if (block) return { type: 'rate_limit', message: `Facebook blocked this account for now: "${block[0]}"` };
    const captcha = anyCaptcha.exec(text);
    if (captcha) return { type: 'captcha', message: `Facebook shows a security check: "${captcha[0]}"` };
    return null;
  }

  /**
   * Facebook's login form on the page. Logged out, Facebook shows it at `/` (and a public group
   * without its composer) at the address asked for, without sending the browser to `/login`.
   */
  async showsLoginForm(): Promise<boolean> {
    const visible = (locator: Locator) => locator.first().isVisible().catch(() => false);
    return (await visible(this.page.getByLabel(anyLoginPassword))) && (await visible(this.page.getByRole('button', { name: anyLoginSubmit })));
  }

  /** Facebook deletes `c_user` and `xs` when it ends a session. */
  private async lostSessionCookies(): Promise<boolean> {
    const cookies = await this.page.context().cookies(this.page.url()).catch(() => null);
    if (!cookies) return false;
    const names = new Set(cookies.filter((cookie) => cookie.value !== '').map((cookie) => cookie.name));
    return SESSION_COOKIES.some((name) => !names.has(name));
  }

  /**
   * What Facebook itself says on the page: its dialogs, alerts and headings, without what people
   * wrote (posts, the feed, editors, fields). A post that mentions a "security check" is no captcha.
   */
  private async noticeText(): Promise<string> {
    return this.page
      .evaluate(() => {
        const written = '[role=article], [role=feed], [contenteditable], [role=textbox], textarea, input';
        const notices = document.querySelectorAll('[role=dialog], [role=alertdialog], [role=alert], [role=heading], h1, h2, h3, h4, h5, h6');
        const texts: string[] = [];
        for (const notice of notices) {
          if (notice.closest(written) || notice.getClientRects().length === 0) continue;
          const copy = notice.cloneNode(true) as Element;
          for (const part of copy.querySelectorAll(written)) part.remove();
          texts.push(copy.textContent ?? '');
        }
        return texts.join('\n');
      })
      .catch(() => '');
  }

  /**
   * Runs one step on an element the flow needs, named `PageObject.element`. A missing element
   * is `ui_changed` naming it, unless the page shows why (logged out, blocked, a checkpoint).
   */
  async step<T>(element: string, action: () => Promise<T>, options: { outcomeUnknown?: boolean } = {}): Promise<T> {
    this.signal?.throwIfAborted();
    try {
      return await action();
    } catch (error) {
      if (error instanceof PublishError || this.signal?.aborted) throw error;
      const problem = await this.accessProblem();
      if (problem) throw this.accessError(problem);
      if (isTimeout(error)) {
        throw new PublishError('ui_changed', `Facebook's page changed: ${element} was not found or not usable within ${Math.round(this.settings.elementTimeoutMs / 1000)}s`, {
          code: element,
          outcomeUnknown: options.outcomeUnknown ?? false,
          cause: error,
        });
      }
      if (/net::|Target (page, context or browser )?closed|browser has been closed|Navigation/i.test(firstLine(error))) {
        throw new PublishError('network_error', `${element}: ${firstLine(error)}`, { outcomeUnknown: options.outcomeUnknown ?? false, cause: error });
      }
      throw error;
    }
  }

  /** Waits until the element is there, or fails the step naming it. */
  async find(element: string, locator: Locator, timeout = this.settings.elementTimeoutMs): Promise<Locator> {
    await this.step(element, () => locator.waitFor({ state: 'visible', timeout }));
    return locator;
  }

  /** Types like a person (one key at a time) when typing is paced, else fills at once. */
  async type(locator: Locator, text: string): Promise<void> {
    const delay = this.pacer.keystrokeMs();
    if (delay <= 0) await locator.fill(text);
    else {
      await locator.fill('');
      await locator.pressSequentially(text, { delay });
    }
  }

  pause(): Promise<void> {
    return this.pacer.pause(this.signal);
  }
}

/** The element a page in a language without a table fails on. */
export const LANGUAGE_ELEMENT = 'PageSession.language';

const supportedLanguages = Object.values(locales).map((texts) => texts.name).join(' or ');

/**
 * Permanent, like a changed page: driving it with another language's texts would fail later and
 * name the wrong element, and its block and captcha notices would go unrecognised.
 */
function unsupportedLanguage(tag: string): PublishError {
  const language = tag ? `in ${languageName(tag)}` : 'in a language it does not declare (no <html lang>)';
  return new PublishError(
    'ui_changed',
    `Facebook shows this account ${language}, which the worker has no texts for: switch the account's Facebook language to ${supportedLanguages}, or add a table for it to packages/facebook-browser/src/locales.ts`,
    { code: LANGUAGE_ELEMENT },
  );
}

const sessionExpired = (what: string): AccessProblem => ({
  type: 'session_expired',
  message: `${what}: the session expired; update it with PUT /api/accounts/:id/session`,
});

export const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
