import Type from 'typebox';
import { parseDuration, section } from '@autoposter/config';
import { parseDelayRange } from './pacing.ts';
import type { BrowserSettings } from './settings.ts';

const durationOf = (name: string, value: string) => {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new Error(`${name} is invalid: ${(err as Error).message}`);
  }
};

/** The browser worker's variables (see the package README). */
export const browserSection = section(
  {
    CHROMIUM_PATH: Type.String({ default: '/usr/bin/chromium', description: 'the Chromium (or Chrome) executable Playwright drives' }),
    FACEBOOK_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://www.facebook.com', description: 'Facebook, or a stand-in such as the fake' }),
    BROWSER_HEADLESS: Type.Boolean({ default: true }),
    BROWSER_SANDBOX: Type.Boolean({ default: true, description: "false runs Chromium with --no-sandbox: containers whose seccomp profile forbids the namespaces its sandbox needs (Docker's default); always off as root" }),
    BROWSER_ACTION_DELAY: Type.String({ default: '400ms-1500ms', description: 'pause between actions: a range, one duration, or 0' }),
    BROWSER_TYPING_DELAY: Type.String({ default: '40ms-160ms', description: 'delay between keystrokes: a range, one duration, or 0' }),
    BROWSER_ELEMENT_TIMEOUT: Type.String({ default: '20s', description: 'an expected element missing this long means the page changed' }),
    BROWSER_UPLOAD_TIMEOUT: Type.String({ default: '2m', description: 'how long photos may take to upload' }),
    BROWSER_NAVIGATION_TIMEOUT: Type.String({ default: '45s' }),
    BROWSER_WARM_CONTEXTS: Type.Integer({ minimum: 0, default: 0, description: 'account contexts kept open between runs' }),
    BROWSER_WARM_IDLE: Type.String({ default: '2m', description: 'how long a warm context is kept unused' }),
    BLOCK_COOLDOWN: Type.String({ default: '24h', description: 'how long a blocked account waits' }),
  },
  (env): BrowserSettings => ({
    chromiumPath: env.CHROMIUM_PATH,
    baseUrl: env.FACEBOOK_BASE_URL.replace(/\/+$/, ''),
    headless: env.BROWSER_HEADLESS,
    sandbox: env.BROWSER_SANDBOX,
    actionDelay: parseDelayRange(env.BROWSER_ACTION_DELAY, 'BROWSER_ACTION_DELAY'),
    typingDelay: parseDelayRange(env.BROWSER_TYPING_DELAY, 'BROWSER_TYPING_DELAY'),
    elementTimeoutMs: durationOf('BROWSER_ELEMENT_TIMEOUT', env.BROWSER_ELEMENT_TIMEOUT),
    uploadTimeoutMs: durationOf('BROWSER_UPLOAD_TIMEOUT', env.BROWSER_UPLOAD_TIMEOUT),
    navigationTimeoutMs: durationOf('BROWSER_NAVIGATION_TIMEOUT', env.BROWSER_NAVIGATION_TIMEOUT),
    warmContexts: env.BROWSER_WARM_CONTEXTS,
    warmContextIdleMs: durationOf('BROWSER_WARM_IDLE', env.BROWSER_WARM_IDLE),
    blockCooldownMs: durationOf('BLOCK_COOLDOWN', env.BLOCK_COOLDOWN),
  }),
);
