import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { numericId, type Listing } from '@autoposter/fake-facebook';
import { MarketplaceHarness } from './test/harness.ts';
import { formatKeyring } from '@autoposter/config';

// Real Chromium on a shared 2-core machine: a flow can take far longer than the suite's default.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const LOCK_MS = 2_000;
const STALLED_INTERVAL_MS = 1_000;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const entry = fileURLToPath(new URL('./test/worker-child.ts', import.meta.url));

let h: MarketplaceHarness;
let child: ChildProcess | undefined;
beforeAll(async () => {
  h = await MarketplaceHarness.create();
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  await h.closeWorkers();
});
afterAll(() => h?.close());

/** A worker with its own Chromium in a child process; resolves once it takes jobs. */
async function spawnDoomedWorker(): Promise<ChildProcess> {
  const worker = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: h.db.url,
      REDIS_URL: h.redis.url,
      QUEUE_PREFIX: h.redis.prefix,
      FACEBOOK_BASE_URL: h.fake.url,
      MEDIA_DIR: h.mediaDir,
      SECRETS_KEYS: formatKeyring(h.keyring.keys),
      LOCK_DURATION_MS: String(LOCK_MS),
      STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
      WORKER_ID: 'doomed-worker',
    },
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    worker.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    worker.once('exit', (code, signal) => reject(new Error(`worker exited before it was ready (${signal ?? code})`)));
  });
  return worker;
}

const kill = (worker: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) => {
    worker.once('exit', (code, signal) => resolve(signal ?? code));
    worker.kill('SIGKILL');
  });

/** A listing the account made yesterday. */
const oldListing = (userId: string): Listing => ({
  id: numericId(),
  userId,
  title: 'Old listing',
  price: '30',
  category: 'Muebles',
  condition: 'Usado - Buen estado',
  description: '',
  location: 'Austin, Texas',
  photoCount: 1,
  boosted: false,
  createdAt: new Date(Date.now() - 86_400_000).toISOString(),
});

const survivor = () => h.startWorker({ workerId: 'survivor', config: { lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_INTERVAL_MS } });

describe('marketplace worker killed mid-publish', () => {
  it('ends with exactly one listing when Facebook stored it but the worker died before reading it back', async () => {
    const seller = await h.seedAccount('en_US');
    h.fake.state.script(seller.fakeAccount.userId, { kind: 'publish_hang' }, 1);
    const delivery = await h.queuePost(seller, { title: 'Cast iron pan' });
    child = await spawnDoomedWorker();
    await h.until('Facebook to store the listing', () => h.fake.state.listingsOf(seller.fakeAccount.userId).length === 1, 150_000);
    expect(await kill(child)).toBe('SIGKILL');

    await survivor();
    const posted = await h.waitForStatus(delivery.id, 'posted', 150_000);

    const listings = h.fake.state.listingsOf(seller.fakeAccount.userId);
    expect(listings).toHaveLength(1);
    expect(posted).toMatchObject({ providerPostId: listings[0]!.id, permalink: `${h.fake.url}/marketplace/item/${listings[0]!.id}/` });
    const attempts = await h.attempts(posted);
    expect(attempts.map((a) => [a.workerId, a.outcome, a.outcomeUnknown])).toEqual([
      ['doomed-worker', 'abandoned', true],
      ['survivor', 'posted', false],
    ]);
    expect((await h.logs(posted)).map((l) => l.message)).toContain('Adopted existing post: an earlier attempt had published it');
  });

  it('adopts the new listing, not an older one of the same title, when Facebook stored it but never answered', async () => {
    const seller = await h.seedAccount('es_LA');
    const userId = seller.fakeAccount.userId;
    const old = { ...oldListing(userId), title: 'Olla de hierro' };
    h.fake.state.listings.push(old);
    h.fake.state.script(userId, { kind: 'publish_hang' }, 1);
    const delivery = await h.queuePost(seller, { title: 'Olla de hierro' });
    child = await spawnDoomedWorker();
    await h.until('Facebook to store the new listing', () => h.fake.state.listingsOf(userId).length === 2, 150_000);
    expect(await kill(child)).toBe('SIGKILL');
    // Facebook lists a renewed listing first: the old one now shows above the new one.
    h.fake.state.listings.splice(h.fake.state.listings.indexOf(old), 1);
    h.fake.state.listings.push(old);

    await survivor();
    const posted = await h.waitForStatus(delivery.id, 'posted', 150_000);
    const created = h.fake.state.listingsOf(userId).filter((l) => l !== old);
    expect(created).toHaveLength(1);
    expect(posted).toMatchObject({ providerPostId: created[0]!.id, permalink: `${h.fake.url}/marketplace/item/${created[0]!.id}/` });
    expect((await h.logs(posted)).map((l) => l.message)).toContain('Adopted existing post: an earlier attempt had published it');
  });

  it('publishes once when the worker died before Facebook stored anything', async () => {
    const seller = await h.seedAccount('es_LA');
    h.fake.state.script(seller.fakeAccount.userId, { kind: 'slow_upload', ms: 20_000 }, 1);
    const delivery = await h.queuePost(seller, { title: 'Sartén de hierro' });
    const uploadsBefore = h.fake.state.requests.filter((r) => r.path === '/api/upload').length;
    child = await spawnDoomedWorker();
    await h.until('a photo upload to start', () => h.fake.state.requests.filter((r) => r.path === '/api/upload').length > uploadsBefore, 150_000);
    expect(await kill(child)).toBe('SIGKILL');

    await survivor();
    const posted = await h.waitForStatus(delivery.id, 'posted', 150_000);
    const listings = h.fake.state.listingsOf(seller.fakeAccount.userId);
    expect(listings).toHaveLength(1);
    expect(posted.providerPostId).toBe(listings[0]!.id);
  });
});
