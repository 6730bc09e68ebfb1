// Issue 18: Marketplace listings through the real worker (runtime + browser publisher, pacing
// off) against the fake Facebook, beside a bare Playwright script that fills the same form on
// the same fake; throughput at worker concurrency 1, 2 and 4 over 4 accounts; the peak
// resident memory of the worker process and its Chromium with 4 account contexts open.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { chromium } from 'playwright-core';
import { encryptJson } from '@autoposter/crypto';
import { schema } from '@autoposter/db';
import { createAccount } from '@autoposter/db/repositories/accounts';
import { startFakeFacebook, type FakeAccount, type FakeFacebook } from '@autoposter/fake-facebook';
import { chromiumArgs, toStorageState } from '@autoposter/facebook-browser';
import { mediaFilePath } from '@autoposter/media';
import { samplePng } from '@autoposter/media/test-samples';
import { freePort } from '@autoposter/stack';
import { publishDeliveryJob, publishQueueOptions, type JobPayloads } from '@autoposter/queue';
import { createBenchDatabase, createBenchRedis, withCleanup, type BenchDatabase, type BenchRedis } from './lib/bench-env.ts';
import { median, note, percentile, printTable, printVerdict, round } from './lib/report.ts';
import { benchKeyring, seedUser } from './lib/seed.ts';
import { exitCodeOf, forkTypeScript } from './lib/processes.ts';
import { pollUntil, within } from './lib/wait.ts';
import { UNTHROTTLED_LIMITS } from './lib/workers.ts';
import { formatKeyring } from '@autoposter/config';

const LISTINGS = Number(process.env.BENCH_LISTINGS ?? 50);
const ACCOUNTS = 4;
const CONCURRENCIES = [1, 2, 4];
const RATIO_TARGET = 1.3;
const MEMORY_TARGET_MB = 600;
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const workerScript = fileURLToPath(new URL('../services/marketplace-worker/src/main.ts', import.meta.url));

const keyring = benchKeyring();
const mediaDir = mkdtempSync(join(tmpdir(), 'bench-marketplace-'));
const photo = join(mediaDir, 'photo.png');
writeFileSync(photo, samplePng(80, 60));

/** The bare baseline: the same form filled with plain Playwright calls, no runtime, no page objects. */
async function bareScript(fake: FakeFacebook, accounts: FakeAccount[], count: number): Promise<number[]> {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs() });
  const seconds: number[] = [];
  try {
    const contexts = await Promise.all(
      accounts.map((a) => browser.newContext({ storageState: toStorageState({ cookies: fake.exportCookies(a) }, fake.url) })),
    );
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const page = await contexts[i % contexts.length]!.newPage();
      await page.goto(`${fake.url}/marketplace/create/item`);
      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Add photos' }).click();
      await (await chooser).setFiles([photo]);
      await page.getByLabel('Title', { exact: true }).fill(`Bare listing ${i}`);
      await page.getByLabel('Price', { exact: true }).fill('50');
      await page.getByRole('combobox', { name: 'Category' }).click();
      await page.getByRole('option', { name: 'Furniture' }).click();
      await page.getByRole('combobox', { name: 'Condition' }).click();
      await page.getByRole('option', { name: 'Used - good' }).click();
      await page.getByRole('button', { name: 'More details' }).click();
      await page.getByLabel('Description', { exact: true }).fill('Solid oak, pick up only');
      await page.getByRole('combobox', { name: 'Location' }).fill('Austin, Texas');
      await page.getByRole('option', { name: 'Austin, Texas' }).click();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('switch', { name: 'Boost listing' }).click();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Not now' }).click();
      await page.waitForURL(/\/marketplace\/item\/\d+/);
      await page.close();
      seconds.push((performance.now() - started) / 1000);
    }
  } finally {
    await browser.close();
  }
  return seconds;
}

/**
 * Memory of a process and every process under it (the worker's Chromium), in MB: proportional set
 * size (`Pss` of /proc/<pid>/smaps_rollup), so pages Chromium's processes share are counted
 * once rather than once per process as summed RSS would.
 */
function treeMemoryMb(rootPid: number): number {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=']).toString();
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let totalKb = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    try {
      totalKb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // The process ended meanwhile.
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return totalKb / 1024;
}

interface Seeded {
  userId: string;
  accountIds: string[];
  mediaId: string;
}

async function seed(database: BenchDatabase, fake: FakeFacebook, fakeAccounts: FakeAccount[]): Promise<Seeded> {
  const userId = await seedUser(database.db);
  const accountIds: string[] = [];
  for (const [i, account] of fakeAccounts.entries()) {
    const credentialsEncrypted = encryptJson(keyring, { cookies: fake.exportCookies(account) });
    accountIds.push((await createAccount(database.db, userId, { kind: 'facebook_browser', name: `bench seller ${i}`, email: null, credentialsEncrypted, limits: UNTHROTTLED_LIMITS })).id);
  }
  const storageKey = `${userId}/${randomBytes(6).toString('hex')}.png`;
  const path = mediaFilePath(mediaDir, storageKey);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, samplePng(80, 60));
  const [media] = await database.db
    .insert(schema.media)
    .values({ userId, mime: 'image/png', sizeBytes: 100, sha256: randomBytes(32).toString('hex'), width: 80, height: 60, storageKey })
    .returning();
  return { userId, accountIds, mediaId: media!.id };
}

/** `count` queued listings spread over the accounts, enqueued as the engine does. */
async function queueListings(database: BenchDatabase, queue: Queue<JobPayloads['publish-delivery']>, seeded: Seeded, count: number, label: string) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const [post] = await database.db
      .insert(schema.posts)
      .values({ userId: seeded.userId, title: `${label} ${i}`, body: 'Solid oak, pick up only', price: '50', category: 'Furniture', condition: 'Used - good', location: 'Austin, Texas', mediaIds: [seeded.mediaId] })
      .returning();
    const [delivery] = await database.db
      .insert(schema.deliveries)
      .values({ postId: post!.id, userId: seeded.userId, channel: 'marketplace', accountId: seeded.accountIds[i % seeded.accountIds.length]!, status: 'queued', dueAt: new Date() })
      .returning();
    const job = publishDeliveryJob(delivery!, { maxAttempts: 3, now: new Date() });
    await queue.add(job.name, job.data, job.opts);
    ids.push(delivery!.id);
  }
  return ids;
}

/** The marketplace worker service as deployed (`services/marketplace-worker`, config from its environment), in a process of its own. */
async function startWorker(database: BenchDatabase, redis: BenchRedis, fake: FakeFacebook, concurrency: number) {
  const port = await freePort();
  const child = forkTypeScript(workerScript, {
    quiet: true,
    env: {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      SECRETS_KEYS: formatKeyring(keyring.keys),
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKER_ID: `bench-${concurrency}`,
      WORKER_CONCURRENCY: String(concurrency),
      MEDIA_DIR: mediaDir,
      MEDIA_URL_SECRET: 'bench-media-url-secret',
      RETRY_MAX_ATTEMPTS: '3',
      RETRY_DELAYS: '1s',
      CHROMIUM_PATH: chromiumPath,
      FACEBOOK_BASE_URL: fake.url,
      BROWSER_ACTION_DELAY: '0',
      BROWSER_TYPING_DELAY: '0',
      BROWSER_WARM_CONTEXTS: String(ACCOUNTS),
      SESSION_SWEEP_INTERVAL: '24h',
      LOG_LEVEL: 'warn',
    },
  });
  const exited = exitCodeOf(child);
  await pollUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`the marketplace worker exited with code ${child.exitCode} before it was ready`);
      return fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    },
    60_000,
    'the marketplace worker ready',
    100,
  );
  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await within(exited, 30_000, 'the marketplace worker exiting');
    },
  };
}

async function workerRun(database: BenchDatabase, redis: BenchRedis, fake: FakeFacebook, seeded: Seeded, concurrency: number, count: number) {
  const queue = new Queue<JobPayloads['publish-delivery']>('marketplace', { ...publishQueueOptions, connection: redis.client, prefix: redis.prefix });
  const worker = await startWorker(database, redis, fake, concurrency);
  let peakMb = 0;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, treeMemoryMb(worker.pid))), 500);
  const started = performance.now();
  try {
    const ids = await queueListings(database, queue, seeded, count, `Worker c${concurrency}`);
    await pollUntil(
      async () => {
        const rows = await database.pool.query<{ n: number }>(`select count(*)::int n from deliveries where id = any($1) and status in ('posted','failed')`, [ids]);
        return rows.rows[0]!.n === ids.length;
      },
      count * 60_000,
      `${count} listings at concurrency ${concurrency}`,
      250,
    );
    const elapsedS = (performance.now() - started) / 1000;
    const attempts = await database.pool.query<{ s: number; outcome: string }>(
      `select extract(epoch from finished_at - started_at)::float s, outcome from delivery_attempts where delivery_id = any($1)`,
      [ids],
    );
    return { elapsedS, seconds: attempts.rows.filter((r) => r.outcome === 'posted').map((r) => r.s), failed: attempts.rows.filter((r) => r.outcome !== 'posted').length, peakMb };
  } finally {
    clearInterval(sampler);
    await worker.stop();
    await queue.close();
  }
}

const fake = await startFakeFacebook();
const database = await createBenchDatabase(12);
const redis = createBenchRedis();

await withCleanup(
  async () => {
    const fakeAccounts = Array.from({ length: ACCOUNTS }, (_, i) => fake.state.addAccount({ name: `Bench Seller ${i}` }));
    const seeded = await seed(database, fake, fakeAccounts);
    note(`${LISTINGS} listings per measured run (BENCH_LISTINGS), ${ACCOUNTS} accounts, pacing off, Chromium ${chromiumPath}`);

    const bare = await bareScript(fake, fakeAccounts, LISTINGS);
  const single = await workerRun(database, redis, fake, seeded, 1, LISTINGS);
  const ratio = median(single.seconds) / median(bare);
  printTable('seconds per listing (concurrency 1)', [
    { run: 'bare Playwright script', listings: bare.length, median_s: round(median(bare), 2), p95_s: round(percentile(bare, 95), 2) },
    { run: 'worker (runtime + page objects)', listings: single.seconds.length, median_s: round(median(single.seconds), 2), p95_s: round(percentile(single.seconds, 95), 2) },
  ]);

  const throughput = [{ concurrency: 1, listings: LISTINGS, elapsed_s: round(single.elapsedS, 1), per_min: round((LISTINGS / single.elapsedS) * 60, 1), failed: single.failed, peak_pss_mb: Math.round(single.peakMb) }];
  let peakWithFour = 0;
  for (const concurrency of CONCURRENCIES.slice(1)) {
    const result = await workerRun(database, redis, fake, seeded, concurrency, LISTINGS);
    throughput.push({ concurrency, listings: LISTINGS, elapsed_s: round(result.elapsedS, 1), per_min: round((LISTINGS / result.elapsedS) * 60, 1), failed: result.failed, peak_pss_mb: Math.round(result.peakMb) });
    if (concurrency === 4) peakWithFour = result.peakMb;
  }
  printTable(`throughput over ${ACCOUNTS} accounts (peak memory: PSS of the worker process + its Chromium, a warm context per account)`, throughput);
  printVerdict('marketplace speed', ratio <= RATIO_TARGET, `worker median ${round(ratio, 2)}x the bare script (target <= ${RATIO_TARGET}x)`);
  printVerdict('marketplace memory', peakWithFour < MEMORY_TARGET_MB, `peak ${Math.round(peakWithFour)} MB with 4 account contexts (target < ${MEMORY_TARGET_MB} MB)`);
  },
  () => fake.close(),
  () => database.drop(),
  () => redis.destroy(),
);
