import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeFacebook, type FakeFacebook } from '@autoposter/fake-facebook';
import { BrowserPool, chromiumArgs } from './browser-pool.ts';
import { testBrowserSettings } from './settings.ts';

// Real Chromium on a shared 2-core machine: a flow can take far longer than the suite's default.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let fake: FakeFacebook;
let pool: BrowserPool;
beforeAll(async () => {
  fake = await startFakeFacebook();
  pool = new BrowserPool(testBrowserSettings({ baseUrl: fake.url, warmContexts: 1, warmContextIdleMs: 60_000 }));
});
afterAll(async () => {
  await pool?.close();
  await fake?.close();
});

/** The command lines of the Chromium browser processes this test process launched (Linux's /proc). */
function childBrowserCommandLines(): string[][] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const parent = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return parent === process.pid && args.includes('--remote-debugging-pipe') ? [args] : [];
      } catch {
        return []; // The process ended meanwhile.
      }
    });
}

const credentialsOf = (account: Parameters<FakeFacebook['exportCookies']>[0]) => ({ cookies: fake.exportCookies(account) });

describe('browser pool', () => {
  it('keeps at most the configured number of warm contexts, each only for its own account and session', async () => {
    const [a, b] = [fake.state.addAccount({}), fake.state.addAccount({})];
    const session = credentialsOf(a);
    const first = await pool.acquire('account-a', session);
    await first.release();
    const again = await pool.acquire('account-a', session);
    expect(again.context).toBe(first.context);
    await again.release();
    // A new session (the person updated it) gets a context of its own.
    const updated = await pool.acquire('account-a', credentialsOf(a));
    expect(updated.context).not.toBe(first.context);
    await updated.release();
    const other = await pool.acquire('account-b', credentialsOf(b));
    expect(other.context).not.toBe(first.context);
    await other.release();
    // One warm context at most: a's was evicted when b's was kept.
    expect(await pool.openContexts()).toBe(1);
    const page = await other.context.newPage();
    await page.goto(fake.url);
    expect((await other.context.cookies()).find((c) => c.name === 'c_user')!.value).toBe(b.userId);
    await page.close();
  });

  it('never hands out again a warm context that was closed under a run', async () => {
    const session = credentialsOf(fake.state.addAccount({}));
    const first = await pool.acquire('account-d', session);
    // What an aborted run does: its context is closed while the lease is held.
    await first.context.close();
    await first.release();
    const next = await pool.acquire('account-d', session);
    expect(next.context).not.toBe(first.context);
    const page = await next.context.newPage();
    expect((await page.goto(`${fake.url}/healthz`))?.status()).toBe(200);
    await page.close();
    await next.release();
  });

  it('runs Chromium without its sandbox when told to (containers whose seccomp forbids it)', async () => {
    expect(chromiumArgs(false)).toContain('--no-sandbox');
    const unsandboxed = new BrowserPool(testBrowserSettings({ baseUrl: fake.url, sandbox: false }));
    try {
      const lease = await unsandboxed.acquire('account-c', credentialsOf(fake.state.addAccount({})));
      const page = await lease.context.newPage();
      expect((await page.goto(`${fake.url}/healthz`))?.status()).toBe(200);
      await lease.release();
    } finally {
      await unsandboxed.close();
    }
  });

  it("keeps Playwright's own disabled features and builds no omnibox popup nobody sees", async () => {
    const browser = await pool.launch();
    const lease = await pool.acquire('account-d', credentialsOf(fake.state.addAccount({})));
    const page = await lease.context.newPage();
    await page.goto(fake.url);
    // Chromium keeps the last --disable-features: ours must carry the list Playwright passed first.
    const launched = childBrowserCommandLines();
    expect(launched.length).toBeGreaterThan(0);
    for (const args of launched) {
      const [playwrights, ...rest] = args.filter((arg) => arg.startsWith('--disable-features=')).map((arg) => arg.split('=')[1]!.split(','));
      expect(rest.at(-1)).toEqual(expect.arrayContaining(playwrights!));
    }
    const cdp = await browser.newBrowserCDPSession();
    const { targetInfos } = await cdp.send('Target.getTargets');
    expect(targetInfos.map((target) => target.url)).not.toContainEqual(expect.stringMatching(/^chrome:\/\/omnibox-popup/));
    await cdp.detach();
    await page.close();
    await lease.release();
  });

  it('launches the browser again after it crashed', async () => {
    const account = fake.state.addAccount({});
    const browser = await pool.launch();
    await browser.close();
    const lease = await pool.acquire('account-c', credentialsOf(account));
    const page = await lease.context.newPage();
    await page.goto(fake.url);
    expect(await page.title()).toBe('Facebook');
    await page.close();
    await lease.release();
    expect(await pool.launch()).not.toBe(browser);
  });
});
