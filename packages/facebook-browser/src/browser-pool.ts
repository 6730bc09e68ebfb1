import { createHash } from 'node:crypto';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { toStorageState, type BrowserCredentials } from './credentials.ts';
import type { BrowserSettings } from './settings.ts';

/**
 * The `--disable-features` list playwright-core passes (its chromiumSwitches.ts; the version
 * installed is checked against this copy by browser-pool.test.ts). Chromium honours only the last
 * `--disable-features` switch, so a list of ours replaces Playwright's unless it carries it.
 */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/**
 * Headless Chromium still builds every window's omnibox popup: two WebUI renderers per browser
 * context, ~50 MB of each account's context that nobody ever sees.
 */
export const UNSEEN_UI_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

/** The flags a closed network and a container need (no update checks, no sync, no GPU), and no unseen UI. */
export function chromiumArgs(sandbox = true): string[] {
  const args = [
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--disable-dev-shm-usage',
    `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...UNSEEN_UI_FEATURES].join(',')}`,
  ];
  if (!sandbox || process.getuid?.() === 0) args.push('--no-sandbox');
  return args;
}

interface WarmContext {
  context: BrowserContext;
  fingerprint: string;
  inUse: boolean;
  idleTimer: NodeJS.Timeout | null;
  lastUsed: number;
}

export interface ContextLease {
  context: BrowserContext;
  /**
   * Closes the context, or keeps it warm for the next run of the same account and session.
   * `discard`: the run was cut short (a timeout, an abort): the context is closed, never reused.
   */
  release(options?: { discard?: boolean }): Promise<void>;
}

const fingerprintOf = (credentials: BrowserCredentials) => createHash('sha256').update(JSON.stringify(credentials)).digest('hex');

/**
 * One Chromium per process, launched on first use and again after a crash; one context per
 * account, built from its credentials. Contexts are closed after use, or kept warm (at most
 * `warmContexts`, each for `warmContextIdleMs`) so memory stays bounded.
 */
export class BrowserPool {
  private browser: Promise<Browser> | null = null;
  private readonly warm = new Map<string, WarmContext>();
  private closed = false;

  constructor(readonly settings: BrowserSettings) {}

  /** The running browser, launched (again, after a crash) when there is none. */
  async launch(): Promise<Browser> {
    if (this.closed) throw new Error('the browser pool is closed');
    if (!this.browser) {
      const launching = chromium.launch({ executablePath: this.settings.chromiumPath, headless: this.settings.headless, args: chromiumArgs(this.settings.sandbox) });
      this.browser = launching;
      launching.then(
        (browser) =>
          browser.once('disconnected', () => {
            if (this.browser === launching) this.browser = null;
            this.warm.clear();
          }),
        () => {
          if (this.browser === launching) this.browser = null;
        },
      );
    }
    return this.browser;
  }

  /** A context for the account (its own cookies only), warm when one is kept for this same session. */
  async acquire(accountId: string, credentials: BrowserCredentials): Promise<ContextLease> {
    const fingerprint = fingerprintOf(credentials);
    const kept = this.warm.get(accountId);
    if (kept && !kept.inUse && kept.fingerprint === fingerprint) {
      if (kept.idleTimer) clearTimeout(kept.idleTimer);
      kept.inUse = true;
      return { context: kept.context, release: (options) => this.release(accountId, kept, options) };
    }
    if (kept && !kept.inUse) await this.evict(accountId);
    const browser = await this.launch();
    const context = await browser.newContext({
      storageState: toStorageState(credentials, this.settings.baseUrl),
      viewport: { width: 1280, height: 900 },
    });
    context.setDefaultTimeout(this.settings.elementTimeoutMs);
    context.setDefaultNavigationTimeout(this.settings.navigationTimeoutMs);
    if (this.settings.warmContexts <= 0 || (kept && kept.inUse)) return { context, release: () => context.close().catch(() => undefined) };
    const entry: WarmContext = { context, fingerprint, inUse: true, idleTimer: null, lastUsed: Date.now() };
    this.warm.set(accountId, entry);
    // A context closed under a run (an abort closes it; so does a crashed browser) is never handed out again.
    context.once('close', () => this.forget(accountId, entry));
    return { context, release: (options) => this.release(accountId, entry, options) };
  }

  private forget(accountId: string, entry: WarmContext) {
    if (this.warm.get(accountId) !== entry) return;
    this.warm.delete(accountId);
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
  }

  private async release(accountId: string, entry: WarmContext, options: { discard?: boolean } = {}) {
    entry.inUse = false;
    entry.lastUsed = Date.now();
    if (options.discard) this.forget(accountId, entry);
    if (this.closed || this.warm.get(accountId) !== entry) return void (await entry.context.close().catch(() => undefined));
    for (const page of entry.context.pages()) await page.close().catch(() => undefined);
    entry.idleTimer = setTimeout(() => void this.evict(accountId), this.settings.warmContextIdleMs);
    entry.idleTimer.unref();
    const idle = [...this.warm.entries()].filter(([, e]) => !e.inUse).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id] of idle.slice(0, Math.max(0, this.warm.size - this.settings.warmContexts))) await this.evict(id);
  }

  private async evict(accountId: string) {
    const entry = this.warm.get(accountId);
    if (!entry || entry.inUse) return;
    this.warm.delete(accountId);
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    await entry.context.close().catch(() => undefined);
  }

  /** Contexts open now (warm or in use), for tests and memory figures. */
  async openContexts(): Promise<number> {
    if (!this.browser) return 0;
    return (await this.browser).contexts().length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.warm.values()) if (entry.idleTimer) clearTimeout(entry.idleTimer);
    this.warm.clear();
    const browser = await this.browser?.catch(() => null);
    this.browser = null;
    await browser?.close().catch(() => undefined);
  }
}
