// The dashboard end to end in Debian's Chromium: a gateway started here serves the freshly built
// dashboard; real publish workers (the runtime with the test publisher) post to a fake provider
// over HTTP. Every page is checked with axe and photographed at 360 px and desktop width.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { samplePng } from '@autoposter/media/test-samples';
import { createTestApi, type TestApi } from '../../api/src/test/test-app.ts';
import { startWorkers, type RunningWorkers } from '../../api/src/test/running-worker.ts';
import { utcToWallClock, wallClockToUtc } from '../src/lib/time.ts';

const WEB_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the screenshots of every page go (named in services/web/README.md). */
export const SCREENSHOTS = join(WEB_ROOT, 'screenshots');
const TIME_ZONE = 'Europe/Paris';
const WIDTHS = { mobile: { width: 360, height: 780 }, desktop: { width: 1280, height: 900 } };

let api: TestApi;
let workers: RunningWorkers;
let browser: Browser;
let page: Page;
let baseUrl: string;
const problems: string[] = [];

/** A response or console error the dashboard should never cause (a missing GET /api/platform is tolerated by design). */
const tolerated = (text: string) => /\/api\/platform\b/.test(text);

/** A production build (vitest sets NODE_ENV=test, which would give React's development build). */
async function buildDashboard(outDir: string) {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: WEB_ROOT, mode: 'production', logLevel: 'error', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

beforeAll(async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'autoposter-web-dist-'));
  await buildDashboard(outDir);
  // No notifier in this test: the dashboard falls back to polling, so its address answers nothing.
  api = await createTestApi({ WEB_DIST_DIR: outDir, NOTIFIER_PUBLIC_URL: 'http://127.0.0.1:9' });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  workers = await startWorkers(api);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  const context = await browser.newContext({ timezoneId: TIME_ZONE, locale: 'en-GB', viewport: WIDTHS.desktop, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (message) => {
    // A failed load is logged without its URL: the response listener below reports it with one.
    const text = message.text();
    if (message.type() === 'error' && !/^Failed to load resource/.test(text) && !/WebSocket|127\.0\.0\.1:9/.test(text)) problems.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && !tolerated(response.url())) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await workers?.close();
  await api?.close();
});

const token = () => page.evaluate(() => localStorage.getItem('autoposter.token'));
async function apiGet<T>(path: string): Promise<T> {
  const response = await api.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${await token()}` } });
  return response.json() as T;
}

/** axe on the page as it is now: no serious or critical violation. */
async function checkAccessibility(name: string, within?: string) {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  // Behind an open dialog the page is under its overlay: only the dialog is checked then.
  const results = await (within ? builder.include(within) : builder).analyze();
  const bad = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(bad.map((violation) => `${name}: ${violation.id} (${violation.impact}) ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join(' | ')}`)).toEqual([]);
}

/** axe at both widths, and a full-page screenshot of each. */
async function checkPage(name: string) {
  for (const [label, size] of Object.entries(WIDTHS)) {
    await page.setViewportSize(size);
    await page.waitForLoadState('networkidle');
    await checkAccessibility(`${name} at ${label}`);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS.desktop);
}

const dayIn = (iso: string) => utcToWallClock(iso, TIME_ZONE).slice(0, 10);

describe('the dashboard in Chromium', { timeout: 240_000 }, () => {
  // Each step builds on the one before: after a failure the rest would only time out.
  let stepFailed = false;
  beforeEach((context) => {
    if (stepFailed) context.skip();
  });
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    stepFailed = true;
    await page.screenshot({ path: join(SCREENSHOTS, 'failure.png'), fullPage: true });
    console.error(`failed at ${page.url()}; see screenshots/failure.png. Problems so far:`, problems);
  });

  it('signs in and registers', async () => {
    await page.goto(`${baseUrl}/posts`);
    await expect.poll(() => page.url()).toContain('/sign-in');
    await page.getByRole('heading', { name: 'Sign in to Autoposter' }).waitFor();
    await checkPage('sign-in');

    await page.getByRole('link', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await checkPage('register');
    await page.getByLabel(/^Email/).fill('e2e@example.test');
    await page.locator('input[type=password]').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Posts' }).waitFor();
    await page.getByText('No posts yet.').waitFor();
    await checkPage('posts-empty');
  });

  it('adds an account of every kind', async () => {
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByText('No accounts yet.').waitFor();
    const add = async (kind: string, fill: (dialog: ReturnType<Page['getByRole']>) => Promise<void>) => {
      await page.getByRole('button', { name: 'Add account' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Add an account' });
      await dialog.getByText(kind, { exact: true }).click();
      await fill(dialog);
      await dialog.getByRole('button', { name: 'Add account' }).click();
      await dialog.waitFor({ state: 'hidden' });
    };
    await add('Browser session', async (dialog) => {
      await dialog.getByLabel(/^Name/).fill('Browser acc');
      await dialog.getByLabel('Cookies or storage state').fill('c_user=100012345; xs=12%3Asecret; fr=abc');
    });
    await add('Page token', async (dialog) => {
      await dialog.getByLabel(/^Name/).fill('Shop Page');
      await dialog.getByLabel(/^Page id/).fill('1234567890');
      await dialog.locator('input[type=password]').fill('EAAPageToken');
    });
    await add('Instagram token', async (dialog) => {
      await dialog.getByLabel(/^Name/).fill('Shop IG');
      await dialog.getByLabel(/^Instagram user id/).fill('17841400000000000');
      await dialog.locator('input[type=password]').fill('EAAInstagramToken');
    });
    const table = page.getByRole('table', { name: 'Accounts' });
    for (const name of ['Browser acc', 'Shop Page', 'Shop IG']) await table.getByText(name, { exact: true }).waitFor();
    await expect.poll(async () => (await apiGet<{ items: unknown[] }>('/api/accounts')).items.length).toBe(3);
    await page.getByRole('button', { name: 'Add account' }).first().click();
    await page.getByRole('dialog', { name: 'Add an account' }).waitFor();
    await checkAccessibility('add account dialog', '[role=dialog]');
    await page.keyboard.press('Escape');
    await checkPage('accounts');
  });

  let firstPostId = '';
  it('uploads a photo and composes a post for all four channels', async () => {
    await page.getByRole('link', { name: 'Compose' }).click();
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    await page.getByRole('checkbox', { name: 'Marketplace (Browser acc)' }).check();
    await expect.poll(() => page.getByText('Marketplace needs a title', { exact: true }).count()).toBeGreaterThan(0);
    await page.getByRole('checkbox', { name: 'Facebook group (Browser acc)' }).check();
    await page.getByLabel('Group ids for Browser acc').fill('987654321');
    await page.getByRole('checkbox', { name: 'Facebook Page (Shop Page)' }).check();
    await page.getByRole('checkbox', { name: 'Instagram (Shop IG)' }).check();
    await page.getByLabel('Title', { exact: true }).fill('Oak chair');
    await page.getByLabel(/^Text/).fill('Solid oak chair, barely used. #furniture');
    await page.getByLabel('Price').fill('45');
    await page.locator('input[type=file]').setInputFiles({ name: 'chair.png', mimeType: 'image/png', buffer: samplePng(600, 600) });
    await page.getByRole('img', { name: 'chair.png' }).waitFor();
    await page.getByText('Save as pending').click();
    await checkPage('compose');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: 'Oak chair' }).waitFor();
    firstPostId = page.url().split('/').at(-1)!;
    const post = await apiGet<{ media_ids: string[]; deliveries: { channel: string }[]; price: number }>(`/api/posts/${firstPostId}`);
    expect(post.media_ids).toHaveLength(1);
    expect(post.price).toBe(45);
    expect(post.deliveries.map((delivery) => delivery.channel).sort()).toEqual(['facebook_group', 'facebook_page', 'instagram', 'marketplace']);
  });

  it('shows a field the server refuses on that field', async () => {
    await page.getByRole('link', { name: 'Compose' }).click();
    await page.getByRole('checkbox', { name: 'Facebook Page (Shop Page)' }).check();
    await page.getByLabel(/^Text/).fill('A link that is not one');
    await page.getByLabel('Link').fill('not a url');
    await page.getByText('Save as pending').click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('link: must be an http(s) URL').waitFor();
    await page.getByLabel('Link').fill('');
  });

  it('starts posting from the posts table and follows the bar to 100%', async () => {
    await page.getByRole('link', { name: 'Posts' }).click();
    const row = page.getByTestId('post-row').filter({ hasText: 'Oak chair' });
    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Start posting (1)' }).click();
    await page.getByText('Started posting process for 1 pending post(s)').waitFor();
    const panel = page.getByRole('region', { name: 'Posting progress' });
    await panel.getByText('1 / 1').waitFor({ timeout: 30_000 });
    await panel.getByText('100%').waitFor();
    await panel.getByText('Posting finished').waitFor();
    await checkPage('posts');
    await expect.poll(async () => (await apiGet<{ status: string }>(`/api/posts/${firstPostId}`)).status, { timeout: 15_000 }).toBe('published');
  });

  it('opens a failed delivery with its screenshot and logs, and downloads the logs', async () => {
    await page.getByRole('link', { name: 'Compose' }).click();
    await page.getByRole('checkbox', { name: 'Facebook Page (Shop Page)' }).check();
    await page.getByLabel(/^Text/).fill('This one fails');
    await page.getByText('Save as pending').click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: 'This one fails' }).waitFor();
    workers.provider.script({ kind: 'fail', type: 'permission_denied', message: '(#200) The user has not granted publish_pages', screenshot: true });
    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.getByRole('table', { name: 'Deliveries' }).getByText('permission_denied: (#200) The user has not granted publish_pages').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /Attempts and logs: Facebook Page/ }).click();
    await page.getByRole('img', { name: 'Screenshot of attempt 1' }).waitFor();
    await page.getByLabel('Log lines').waitFor();
    await checkPage('post-detail');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
    const saved = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { logs: { level: string; message: string }[] };
    expect(saved.logs.length).toBeGreaterThan(0);
    expect(saved.logs.some((line) => line.level === 'ERROR')).toBe(true);

    await page.getByRole('link', { name: 'Errors' }).click();
    await page.getByRole('button', { name: /permission_denied/ }).click();
    await page.getByRole('img', { name: 'Screenshot of the permission_denied failure' }).waitFor();
    await checkPage('errors');
  });

  it('schedules a post a few seconds ahead in the person’s time zone and sees it publish', async () => {
    await page.getByRole('link', { name: 'Compose' }).click();
    await page.getByRole('checkbox', { name: 'Facebook Page (Shop Page)' }).check();
    await page.getByLabel(/^Text/).fill('Scheduled soon');
    await page.getByText('Schedule', { exact: true }).click();
    const at = new Date(Date.now() + 8_000);
    const wall = utcToWallClock(at.toISOString(), TIME_ZONE) + `:${String(at.getUTCSeconds()).padStart(2, '0')}`;
    await page.getByLabel(/^Publish at/).fill(wall);
    await page.getByRole('button', { name: 'Schedule', exact: true }).last().click();
    await page.getByRole('heading', { name: 'Scheduled soon' }).waitFor();
    const id = page.url().split('/').at(-1)!;
    expect((await apiGet<{ scheduled_at: string }>(`/api/posts/${id}`)).scheduled_at).toBe(wallClockToUtc(wall, TIME_ZONE).replace('.000Z', '.000Z'));
    await page.getByText('published', { exact: true }).waitFor({ timeout: 40_000 });
  });

  it('reschedules by dragging in the calendar, with confirmation, and cancels from the list view', async () => {
    const now = new Date();
    const tomorrow = dayIn(new Date(now.getTime() + 86_400_000).toISOString());
    const later = dayIn(new Date(now.getTime() + 2 * 86_400_000).toISOString());
    for (const body of ['Drag me', 'Cancel me']) {
      await page.getByRole('link', { name: 'Compose' }).click();
      await page.getByRole('checkbox', { name: 'Facebook Page (Shop Page)' }).check();
      await page.getByLabel(/^Text/).fill(body);
      await page.getByText('Schedule', { exact: true }).click();
      await page.getByLabel(/^Publish at/).fill(`${tomorrow}T10:30:00`);
      await page.getByRole('button', { name: 'Schedule', exact: true }).last().click();
      await page.getByRole('heading', { name: body }).waitFor();
    }
    const dragId = (await apiGet<{ items: { id: string; body: string }[] }>('/api/posts')).items.find((post) => post.body === 'Drag me')!.id;

    await page.getByRole('link', { name: 'Calendar' }).click();
    await page.locator('[data-day]').first().waitFor();
    while ((await page.locator(`[data-day="${later}"]`).count()) === 0) await page.getByRole('button', { name: 'Next month' }).click();
    await checkPage('calendar-month');
    const entry = page.locator(`[data-day="${tomorrow}"]`).getByTestId('calendar-entry').filter({ hasText: 'Drag me' }).locator('a');
    await entry.dragTo(page.locator(`[data-day="${later}"]`));
    const confirm = page.getByRole('dialog', { name: 'Reschedule this post?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Reschedule' }).click();
    await expect
      .poll(async () => (await apiGet<{ scheduled_at: string }>(`/api/posts/${dragId}`)).scheduled_at)
      .toBe(wallClockToUtc(`${later}T10:30`, TIME_ZONE));

    await page.getByText('Week', { exact: true }).click();
    await page.getByRole('table').first().waitFor();
    await checkPage('calendar-week');
    await page.getByText('List', { exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: 'Cancel me' });
    await row.getByRole('button', { name: 'Cancel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this schedule?' });
    await dialog.getByRole('button', { name: 'Cancel schedule' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await apiGet<{ items: { body: string; status: string }[] }>('/api/posts')).items.find((post) => post.body === 'Cancel me')?.status).toBe('canceled');
    await checkPage('calendar-list');
  });

  it('previews a CSV import with its row errors before importing', async () => {
    await page.getByRole('link', { name: 'Import CSV' }).click();
    const csv = ['body,targets', 'From the CSV,facebook_page:Shop Page', 'Nowhere,facebook_page:Nobody'].join('\n');
    await page.locator('input[type=file]').setInputFiles({ name: 'posts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByText('1 of 2 row(s) can be imported', { exact: false }).waitFor();
    await page.getByText('no account is named "Nobody"', { exact: false }).waitFor();
    await checkPage('import');
    await page.getByRole('button', { name: 'Import the 1 valid row(s) only' }).click();
    await page.getByText('Imported 1 post(s)').waitFor();
  });

  it('caused no console error and no failed request on any page', () => {
    // The failed login probe and the refused link are the only 4xx the steps asked for.
    expect(problems.filter((problem) => !/^400 POST .*\/api\/posts\/?$/.test(problem) && !/^400 POST .*\/api\/posts\/import\?dry_run=1$/.test(problem))).toEqual([]);
  });
});
