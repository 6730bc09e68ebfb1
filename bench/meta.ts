// Issue 17: Meta deliveries (half Page text + photo, half Instagram image) through the real
// worker (startWorkerService + the Meta publisher) against the fake Graph API, beside the same
// Graph calls made directly with the same client; then deliveries/s with 200 ms of latency per
// Graph call at worker concurrency 1, 8 and 32. Sizes: BENCH_META_DELIVERIES (default 2000).
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { formatKeyring, graphSection, parseConfig } from '@autoposter/config';
import { encryptJson, type Keyring } from '@autoposter/crypto';
import { createAccount } from '@autoposter/db/repositories/accounts';
import { startFakeGraph, type StartedFakeGraph } from '@autoposter/fake-graph';
import { GraphClient } from '@autoposter/graph-client';
import { createLogger } from '@autoposter/logger';
import { createMetaPublisher } from '@autoposter/meta-publisher';
import { sampleJpeg } from '@autoposter/media/test-samples';
import { startWorkerService, workerConfigSections } from '@autoposter/worker-runtime';
import { createBenchDatabase, createBenchRedis, withCleanup, type BenchDatabase, type BenchRedis } from './lib/bench-env.ts';
import { createBenchEngine } from './lib/engine.ts';
import { note, printTable, printVerdict, round } from './lib/report.ts';
import { benchKeyring, seedUser } from './lib/seed.ts';
import { UNTHROTTLED_LIMITS, waitUntilPosted } from './lib/workers.ts';

const DELIVERIES = Number(process.env.BENCH_META_DELIVERIES ?? 2_000);
const CONCURRENCY = 10;
const ACCOUNTS = 10;
const LATENCY_MS = 200;
/** Deliveries per latency run, per unit of concurrency: a run lasts a few seconds whatever the concurrency. */
const LATENCY_DELIVERIES_PER_SLOT = 6;
const RATIO_TARGET = 0.5;
/** "Near-linear": at each concurrency, deliveries/s at least this share of concurrency x the rate at concurrency 1. */
const LINEARITY_TARGET = 0.75;
const RUN_TIMEOUT_MS = 600_000;

type Target = { channel: 'facebook_page' | 'instagram'; accountId: string; pageId: string; igUserId: string; token: string };

/** Serves the one photo every post uses, as the gateway's signed URLs would. */
async function startMedia() {
  const jpeg = sampleJpeg(1080, 1080);
  const app = Fastify();
  app.get('/public/media/:id', async (_request, reply) => reply.type('image/jpeg').send(jpeg));
  return { url: await app.listen({ port: 0, host: '127.0.0.1' }), close: () => app.close() };
}

async function seedTargets(database: BenchDatabase, graph: StartedFakeGraph, keyring: Keyring, userId: string): Promise<Target[]> {
  const targets: Target[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const { pageId, pageToken, igUserId } = graph.newPage({ instagram: true });
    const account = (kind: 'facebook_page' | 'instagram_business', credentials: object) =>
      createAccount(database.db, userId, { kind, name: `bench ${kind} ${i}`, email: null, credentialsEncrypted: encryptJson(keyring, credentials), limits: UNTHROTTLED_LIMITS });
    const page = await account('facebook_page', { page_id: pageId, access_token: pageToken });
    const ig = await account('instagram_business', { ig_user_id: igUserId!, access_token: pageToken });
    targets.push({ channel: 'facebook_page', accountId: page.id, pageId, igUserId: igUserId!, token: pageToken });
    targets.push({ channel: 'instagram', accountId: ig.id, pageId, igUserId: igUserId!, token: pageToken });
  }
  return targets;
}

/** `count` pending posts, alternating Page and Instagram, each with the photo; returns their ids. */
async function seedPosts(database: BenchDatabase, userId: string, targets: Target[], mediaId: string, count: number): Promise<string[]> {
  const { rows } = await database.pool.query<{ id: string }>(
    `with seeded as (
       select i, gen_random_uuid() as post_id, ($3::uuid[])[1 + i % cardinality($3::uuid[])] as account_id,
              ($4::text[])[1 + i % cardinality($4::text[])] as channel
       from generate_series(1, $2::int) as i
     ), p as (
       insert into posts (id, user_id, body, media_ids) select post_id, $1, 'Bench post ' || i || ' ' || $6, array[$5::uuid] from seeded returning id
     ), d as (
       insert into deliveries (post_id, user_id, channel, account_id, status) select post_id, $1, channel, account_id, 'pending' from seeded
     )
     select id from p`,
    [userId, count, targets.map((t) => t.accountId), targets.map((t) => t.channel), mediaId, randomUUID().slice(0, 8)],
  );
  return rows.map((row) => row.id);
}

async function runWorker(database: BenchDatabase, redis: BenchRedis, keyring: Keyring, env: Record<string, string>, count: number, postIds: string[], userId: string) {
  const config = parseConfig({ ...workerConfigSections, graph: graphSection }, {
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: String(Number(env.WORKER_CONCURRENCY) + 2),
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    SECRETS_KEYS: formatKeyring(keyring.keys),
    MEDIA_URL_SECRET: 'bench-media-url-secret',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const publisher = createMetaPublisher({
    graph: { graphBaseUrl: config.graph.graphBaseUrl, instagramBaseUrl: config.graph.instagramBaseUrl, version: config.graph.version, timeoutMs: config.graph.timeoutMs },
    usageSlowdownPercent: 100,
    polling: { intervalMs: 20, timeoutMs: 60_000 },
  });
  const service = await startWorkerService(config, { service: 'bench-meta-worker', queueName: 'meta', publisher, logger: createLogger({ service: 'bench-meta-worker', level: 'warn' }) });
  await service.worker.worker.waitUntilReady();
  const { engine, close } = createBenchEngine(database, redis);
  return withCleanup(
    async () => {
      const start = Date.now();
      for (let i = 0; i < postIds.length; i += 500) await engine.startPosting(userId, postIds.slice(i, i + 500));
      const last = await waitUntilPosted(database.pool, userId, count, RUN_TIMEOUT_MS);
      return (last.getTime() - start) / 1000;
    },
    close,
    () => service.close(),
  );
}

/** The same Graph calls as the worker makes for one delivery, made directly with the same client. */
async function directDelivery(client: GraphClient, target: Target, imageUrl: string, body: string) {
  const call = <T>(method: 'GET' | 'POST', path: string, params?: Record<string, string | boolean | object[]>) =>
    client.request<T>({ host: 'facebook', method, path, token: target.token, ...(params ? { params } : {}) }).then((r) => r.body);
  if (target.channel === 'facebook_page') {
    const photo = await call<{ id: string }>('POST', `/${target.pageId}/photos`, { url: imageUrl, published: false });
    const post = await call<{ id: string }>('POST', `/${target.pageId}/feed`, { message: body, attached_media: [{ media_fbid: photo.id }], published: false });
    await call('POST', `/${post.id}`, { is_published: true });
    await call('GET', `/${post.id}`, { fields: 'permalink_url' });
    return;
  }
  await call('GET', `/${target.igUserId}/content_publishing_limit`, { fields: 'quota_usage,config' });
  const container = await call<{ id: string }>('POST', `/${target.igUserId}/media`, { image_url: imageUrl, caption: body });
  for (;;) {
    const status = await call<{ status_code: string }>('GET', `/${container.id}`, { fields: 'status_code,status' });
    if (status.status_code === 'FINISHED') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const media = await call<{ id: string }>('POST', `/${target.igUserId}/media_publish`, { creation_id: container.id });
  await call('GET', `/${media.id}`, { fields: 'permalink' });
}

async function runDirect(graph: StartedFakeGraph, targets: Target[], imageUrl: string, count: number, concurrency: number): Promise<number> {
  const client = new GraphClient({ graphBaseUrl: graph.url, instagramBaseUrl: graph.instagramUrl, version: 'v27.0', timeoutMs: 30_000 });
  let next = 0;
  const start = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await directDelivery(client, targets[i % targets.length]!, imageUrl, `Direct ${i}`);
      }
    }),
  );
  return (Date.now() - start) / 1000;
}

const database = await createBenchDatabase();
const redis = createBenchRedis();
const graph = await startFakeGraph({ settings: { containerDelayMs: 0, quotaTotal: 1_000_000, latencyMs: 0 } });
const media = await startMedia();
await withCleanup(
  async () => {
    const keyring = benchKeyring();
    const userId = await seedUser(database.db);
    const targets = await seedTargets(database, graph, keyring, userId);
    const { rows } = await database.pool.query<{ id: string }>(
      `insert into media (user_id, mime, size_bytes, sha256, width, height, storage_key) values ($1, 'image/jpeg', 100, repeat('0', 64), 1080, 1080, 'bench.jpg') returning id`,
      [userId],
    );
    const mediaId = rows[0]!.id;
    const workerEnv = (concurrency: number) => ({
      WORKER_CONCURRENCY: String(concurrency),
      PUBLIC_BASE_URL: media.url,
      GRAPH_API_BASE_URL: graph.url,
      INSTAGRAM_GRAPH_BASE_URL: graph.instagramUrl,
      DEFAULT_MIN_GAP_SECONDS: '0',
    });

    note(`direct: ${DELIVERIES} deliveries' Graph calls at concurrency ${CONCURRENCY}`);
    const directSeconds = await runDirect(graph, targets, `${media.url}/public/media/${mediaId}`, DELIVERIES, CONCURRENCY);
    note(`worker: ${DELIVERIES} deliveries at concurrency ${CONCURRENCY}`);
    const publications = () => graph.control.store.publishedPagePosts().length + graph.control.store.publishedIgMedia().length;
    const publishedDirectly = publications();
    const posts = await seedPosts(database, userId, targets, mediaId, DELIVERIES);
    const workerSeconds = await runWorker(database, redis, keyring, workerEnv(CONCURRENCY), DELIVERIES, posts, userId);
    const published = publications() - publishedDirectly;
    const ratio = DELIVERIES / workerSeconds / (DELIVERIES / directSeconds);

    graph.control.configure({ latencyMs: LATENCY_MS });
    const latencyRuns: { concurrency: number; count: number; seconds: number }[] = [];
    let postedSoFar = DELIVERIES;
    for (const concurrency of [1, 8, 32]) {
      const count = concurrency * LATENCY_DELIVERIES_PER_SLOT;
      note(`worker with ${LATENCY_MS} ms per Graph call: ${count} deliveries at concurrency ${concurrency}`);
      const batch = await seedPosts(database, userId, targets, mediaId, count);
      postedSoFar += count;
      latencyRuns.push({ concurrency, count, seconds: await runWorker(database, redis, keyring, workerEnv(concurrency), postedSoFar, batch, userId) });
    }

    printTable(`${DELIVERIES} Meta deliveries (half Page text + photo, half Instagram image), fake Graph API in the same process, no added latency`, [
      { run: `direct Graph calls, same client, concurrency ${CONCURRENCY}`, seconds: round(directSeconds, 2), 'deliveries/s': round(DELIVERIES / directSeconds) },
      { run: `meta worker (startWorkerService), concurrency ${CONCURRENCY}`, seconds: round(workerSeconds, 2), 'deliveries/s': round(DELIVERIES / workerSeconds) },
      { run: 'worker / direct', 'deliveries/s': `${round(ratio * 100)}%` },
    ]);
    const base = latencyRuns[0]!.count / latencyRuns[0]!.seconds;
    printTable(`${LATENCY_MS} ms per Graph call (a delivery makes 4-5 calls)`, latencyRuns.map((run) => ({
      concurrency: run.concurrency,
      deliveries: run.count,
      seconds: round(run.seconds, 2),
      'deliveries/s': round(run.count / run.seconds, 2),
      'x concurrency 1': round(run.count / run.seconds / base, 1),
    })));
    console.log(`publications in the fake by the worker: ${published} for ${DELIVERIES} deliveries (before the latency runs)`);
    printVerdict('meta', ratio >= RATIO_TARGET && published === DELIVERIES, `worker ${round(DELIVERIES / workerSeconds)}/s = ${round(ratio * 100)}% of direct ${round(DELIVERIES / directSeconds)}/s (target >= ${RATIO_TARGET * 100}%)`);
    const linearity = latencyRuns.slice(1).map((run) => ({ concurrency: run.concurrency, share: run.count / run.seconds / base / run.concurrency }));
    printVerdict(
      'meta scaling',
      linearity.every((run) => run.share >= LINEARITY_TARGET),
      `${linearity.map((run) => `${round(run.share * run.concurrency, 1)}x at ${run.concurrency} (${round(run.share * 100)}% of linear)`).join(', ')} (target near-linear: >= ${LINEARITY_TARGET * 100}% of linear at each concurrency up to 32)`,
    );
  },
  () => media.close(),
  () => graph.close(),
  () => database.drop(),
  () => redis.destroy(),
);
