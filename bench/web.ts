// Issue 21: the dashboard's posts page with 10,000 posts in the account, in headless Chromium:
// the time from navigation to the table being interactive and the JavaScript shipped for it,
// beside a bare Vite + React page (bench/web-bare) that lists the same first page from the same
// API with the same token, served by the same gateway in the same run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Response } from 'playwright-core';
import { build } from 'vite';
import { createBenchDatabase, createBenchRedis, withCleanup, type BenchDatabase, type BenchRedis } from './lib/bench-env.ts';
import { callJson } from './lib/http.ts';
import { startServer, type RunningServer } from './lib/processes.ts';
import { median, note, printTable, printVerdict, round } from './lib/report.ts';
import { seedPosts } from './lib/seed.ts';

const SEEDED_POSTS = 10_000;
/** What the dashboard's posts page asks for (POSTS_PAGE_SIZE in services/web/src/pages/posts-query.ts; `visit` checks it), and so the bare page too. */
const PAGE_SIZE = 25;
const WARMUP_RUNS = 1;
const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 7);
const TIME_RATIO_TARGET = 1.5;
const JS_TARGET_BYTES = 300_000;
const LOAD_TIMEOUT_MS = 60_000;
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN_KEY = 'autoposter.token';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** A production build of the dashboard, with the bare page's build in its folder `bare/` (served at /bare/). */
async function buildPages(outDir: string) {
  await build({ root: here('../services/web'), mode: 'production', logLevel: 'error', build: { outDir, emptyOutDir: true } });
  await build({ root: here('./web-bare'), mode: 'production', logLevel: 'error', build: { outDir: join(outDir, 'bare'), emptyOutDir: true } });
}

async function startServers(database: BenchDatabase, redis: BenchRedis, distDir: string) {
  const common = {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    JWT_SECRET: randomBytes(32).toString('hex'),
    SECRETS_KEYS: `v1=${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'info',
  };
  // The dashboard opens its notifier socket on every page, as deployed.
  const notifier = await startServer(here('./servers/notifier-server.ts'), common);
  try {
    const gateway = await startServer(here('./servers/api-server.ts'), {
      ...common,
      MEDIA_URL_SECRET: randomBytes(16).toString('hex'),
      MEDIA_DIR: join(distDir, '..', 'media'),
      WEB_DIST_DIR: distDir,
      NOTIFIER_PUBLIC_URL: notifier.url,
    });
    return { notifier, gateway };
  } catch (err) {
    await notifier.stop();
    throw err;
  }
}

/** A user with one Facebook page account holding SEEDED_POSTS posts (statuses mixed as in `api`); its token. */
async function seedAccount(gateway: string, database: BenchDatabase): Promise<string> {
  const email = `bench-${randomBytes(4).toString('hex')}@example.test`;
  const { user, token } = await callJson<{ user: { id: string }; token: string }>(
    `${gateway}/api/auth/register`,
    { method: 'POST', json: { email, password: 'correct horse battery staple' } },
    201,
  );
  const account = await callJson<{ id: string }>(
    `${gateway}/api/accounts`,
    { method: 'POST', token, json: { kind: 'facebook_page', name: 'bench page', credentials: { page_id: '4004', access_token: 'bench-web-token' } } },
    201,
  );
  await seedPosts(database.pool, {
    userId: user.id,
    accountIds: [account.id],
    channel: 'facebook_page',
    count: SEEDED_POSTS,
    deliveryStatus: `case i % 20 when 0 then 'failed' when 1 then 'scheduled' when 2 then 'pending' when 3 then 'canceled' else 'posted' end`,
    dueAt: `case when i % 20 = 1 then now() + interval '30 days' end`,
  });
  return token;
}

interface Load {
  /** The first page of rows in the DOM, and the main thread free again after it (the figure). */
  renderedMs: number;
  ms: number;
  /** CPU time of the page's main thread by then (steadier than the times when other work shares the machine). */
  mainThreadCpuMs: number;
  scripts: number;
  /** Bytes on the wire (as the gateway encoded them) and decoded, of the JavaScript and CSS loaded by then. */
  jsTransferred: number;
  jsDecoded: number;
  cssTransferred: number;
  encodings: Set<string>;
}

interface Resource {
  kind: 'js' | 'css';
  transferred: number;
  decoded: number;
  encoding: string;
}

async function resourceOf(response: Response): Promise<Resource | null> {
  const type = response.headers()['content-type'] ?? '';
  const kind = /javascript/.test(type) ? 'js' : /text\/css/.test(type) ? 'css' : null;
  if (!kind) return null;
  const [sizes, body] = await Promise.all([response.request().sizes(), response.body()]);
  return { kind, transferred: sizes.responseBodySize, decoded: body.length, encoding: response.headers()['content-encoding'] ?? 'none' };
}

declare global {
  interface Window {
    /** Set by the init script of `visit`: when the rows were in the DOM, and when the page could next handle input. */
    benchTable?: { renderedMs: number; interactiveMs: number };
  }
}

/**
 * Runs in the page before its own scripts: notes the time (from navigation start) at which the
 * first page of rows with their checkboxes is in the DOM, and when the next task runs after
 * that, i.e. when the main thread is free to handle a click on one of them.
 */
function watchForTable(rows: number) {
  const observer = new MutationObserver(() => {
    if (document.querySelectorAll('[data-testid="post-row"] input[type="checkbox"]').length < rows) return;
    observer.disconnect();
    const renderedMs = performance.now();
    setTimeout(() => (window.benchTable = { renderedMs, interactiveMs: performance.now() }));
  });
  observer.observe(document, { childList: true, subtree: true });
}

/**
 * One first visit (a new context: empty cache) with the token already in localStorage, as
 * after signing in. The times are the page's own (performance.now(), from navigation start);
 * a click on the first row's checkbox then checks that the table does respond.
 */
async function visit(browser: Browser, url: string, token: string): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await context.addInitScript(([key, value]) => localStorage.setItem(key, value), [TOKEN_KEY, token] as const);
    await context.addInitScript(watchForTable, PAGE_SIZE);
    const page = await context.newPage();
    page.setDefaultTimeout(LOAD_TIMEOUT_MS);
    const devtools = await context.newCDPSession(page);
    await devtools.send('Performance.enable');
    const resources: Promise<Resource | null>[] = [];
    const postPages: string[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/posts') postPages.push(response.url());
      // A response still arriving when the context closes is not part of the first page.
      resources.push(resourceOf(response).catch(() => null));
    });
    await page.goto(url, { waitUntil: 'commit' });
    const table = await (await page.waitForFunction(() => window.benchTable)).jsonValue();
    if (!table) throw new Error(`${url}: the table was never reported`);
    const { metrics } = await devtools.send('Performance.getMetrics');
    const mainThreadCpuMs = 1000 * (metrics.find((metric) => metric.name === 'ThreadTime')?.value ?? Number.NaN);
    const loaded = (await Promise.all(resources)).filter((resource) => resource !== null);
    const rows = page.getByTestId('post-row');
    await rows.first().getByRole('checkbox').check();
    if ((await rows.count()) !== PAGE_SIZE) throw new Error(`${url}: expected ${PAGE_SIZE} rows, found ${await rows.count()}`);
    if (!postPages.some((request) => new URL(request).searchParams.get('limit') === String(PAGE_SIZE))) {
      throw new Error(`${url}: no GET /api/posts?limit=${PAGE_SIZE} (saw ${postPages.join(', ') || 'none'})`);
    }
    const js = loaded.filter((resource) => resource.kind === 'js');
    const sum = (list: Resource[], pick: (resource: Resource) => number) => list.reduce((total, resource) => total + pick(resource), 0);
    return {
      renderedMs: table.renderedMs,
      mainThreadCpuMs,
      ms: table.interactiveMs,
      scripts: js.length,
      jsTransferred: sum(js, (resource) => resource.transferred),
      jsDecoded: sum(js, (resource) => resource.decoded),
      cssTransferred: sum(loaded.filter((resource) => resource.kind === 'css'), (resource) => resource.transferred),
      encodings: new Set(js.map((resource) => resource.encoding)),
    };
  } finally {
    await context.close();
  }
}

const kB = (bytes: number) => `${round(bytes / 1000, 1)} kB`;

function summary(name: string, loads: Load[]) {
  const times = loads.map((load) => load.ms);
  const last = loads.at(-1)!;
  return {
    page: name,
    runs: loads.length,
    'median ms': Math.round(median(times)),
    'rows in DOM, median ms': Math.round(median(loads.map((load) => load.renderedMs))),
    'main-thread CPU, median ms': Math.round(median(loads.map((load) => load.mainThreadCpuMs))),
    'min ms': Math.round(Math.min(...times)),
    'max ms': Math.round(Math.max(...times)),
    'JS files': last.scripts,
    'JS on the wire': kB(last.jsTransferred),
    encoding: [...last.encodings].join(', '),
    'JS decoded': kB(last.jsDecoded),
    'CSS on the wire': kB(last.cssTransferred),
  };
}

async function measure(gateway: string, token: string) {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  try {
    const pages = { dashboard: `${gateway}/posts`, bare: `${gateway}/bare/index.html` };
    for (let i = 0; i < WARMUP_RUNS; i++) {
      await visit(browser, pages.dashboard, token);
      await visit(browser, pages.bare, token);
    }
    const loads: { dashboard: Load[]; bare: Load[] } = { dashboard: [], bare: [] };
    // Alternating, so a change in the machine's load weighs on both alike.
    for (let i = 1; i <= RUNS; i++) {
      loads.dashboard.push(await visit(browser, pages.dashboard, token));
      loads.bare.push(await visit(browser, pages.bare, token));
      const [dashboard, bare] = [loads.dashboard.at(-1)!, loads.bare.at(-1)!];
      note(`run ${i}/${RUNS}: dashboard ${Math.round(dashboard.ms)} ms (CPU ${Math.round(dashboard.mainThreadCpuMs)}), bare ${Math.round(bare.ms)} ms (CPU ${Math.round(bare.mainThreadCpuMs)})`);
    }
    return loads;
  } finally {
    await browser.close();
  }
}

const workDir = mkdtempSync(join(tmpdir(), 'bench-web-'));
const distDir = join(workDir, 'dist');
const database = await createBenchDatabase();
const redis = createBenchRedis();
const servers: RunningServer[] = [];

await withCleanup(
  async () => {
    note('building the dashboard and the bare page');
    await buildPages(distDir);
    const { notifier, gateway } = await startServers(database, redis, distDir);
    servers.push(gateway, notifier);
    note(`seeding ${SEEDED_POSTS.toLocaleString('en')} posts`);
    const token = await seedAccount(gateway.url, database);
    note(`${WARMUP_RUNS} warm-up and ${RUNS} measured first visits of each page, alternating`);
    const loads = await measure(gateway.url, token);

    printTable(
      `Posts page, ${SEEDED_POSTS.toLocaleString('en')} posts in the account, first page of ${PAGE_SIZE}: navigation start to the rows rendered and the main thread free for a click (new context each run: empty cache)`,
      [summary('dashboard (services/web)', loads.dashboard), summary('bare Vite + React (bench/web-bare)', loads.bare)],
    );
    const dashboardMs = median(loads.dashboard.map((load) => load.ms));
    const bareMs = median(loads.bare.map((load) => load.ms));
    const ratio = dashboardMs / bareMs;
    const js = loads.dashboard.at(-1)!;
    printVerdict('web', ratio <= TIME_RATIO_TARGET, `dashboard ${Math.round(dashboardMs)} ms vs bare ${Math.round(bareMs)} ms: ${round(ratio, 2)}x (target <= ${TIME_RATIO_TARGET}x)`);
    printVerdict('web', js.jsTransferred < JS_TARGET_BYTES, `dashboard JavaScript for the first page ${kB(js.jsTransferred)} on the wire (${[...js.encodings].join(', ')}; ${js.scripts} files, ${kB(js.jsDecoded)} decoded) (target < ${kB(JS_TARGET_BYTES)})`);
  },
  async () => {
    for (const server of servers) await server.stop();
  },
  () => redis.destroy(),
  () => database.drop(),
  async () => rmSync(workDir, { recursive: true, force: true }),
);
