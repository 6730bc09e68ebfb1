// Issue 2: the gateway's cost over a bare Fastify + node-postgres insert, and listing a user's posts at 1M rows.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { listPosts, type PostListFilter, type PostPosition } from '@autoposter/db/repositories/posts';
import { samplePng } from '@autoposter/media/test-samples';
import { encodeCursor } from '../services/api/src/posts/cursor.ts';
import { runIdempotent } from '../services/api/src/posts/idempotency.ts';
import { createPost } from '../services/api/src/posts/post-commands.ts';
import type { CreatePostBody } from '../services/api/src/posts/post-requests.ts';
import { createBenchDatabase, createBenchRedis, withCleanup, type BenchDatabase, type BenchRedis } from './lib/bench-env.ts';
import { captureQueries, explainAnalyze, type ExplainedQuery } from './lib/explain.ts';
import { callJson } from './lib/http.ts';
import { measureAlternately, measureLoad, medianFigures, type LoadFigures, type LoadRequest, type LoadSettings } from './lib/load.ts';
import { startServer, type RunningServer } from './lib/processes.ts';
import { seedPosts } from './lib/seed.ts';
import { note, printTable, printVerdict, round } from './lib/report.ts';

/** Both servers get the same load and the same pool size, in alternating rounds. */
const WRITE_LOAD = { connections: 10, durationSeconds: 5, warmupSeconds: 3, rounds: 3 };
/**
 * Listing: throughput with 10 connections (latency there is mostly queueing: connections / rate),
 * then latency under light load, 2 connections. Not autocannon's overallRate: it sends each
 * second's quota in a burst and, with its 1 ms expected interval, pads the latency histogram.
 */
const READ_SATURATED: LoadSettings = { connections: 10, durationSeconds: 4, warmupSeconds: 1 };
const READ_LIGHT: LoadSettings = { connections: 2, durationSeconds: 5, warmupSeconds: 1 };
const POOL_MAX = 10;
const SEEDED_POSTS = 1_000_000;
const PAGE_SIZE = 50;
const WRITE_RATIO_TARGET = 0.6;
const LIST_P99_TARGET_MS = 20;

const serverScript = (name: string) => fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));
const jsonPost = (url: string, body: unknown, token?: string): LoadRequest => ({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

// ---- writes: bare insert vs POST /api/posts -------------------------------------------------

async function startBareServer(database: BenchDatabase): Promise<RunningServer> {
  await database.pool.query(
    'create table bench_rows (id uuid primary key default gen_random_uuid(), body text not null, created_at timestamptz not null default now())',
  );
  return startServer(serverScript('bare-server'), { DATABASE_URL: database.url, DATABASE_POOL_MAX: String(POOL_MAX) });
}

function gatewayEnv(database: BenchDatabase, redis: BenchRedis, mediaDir: string): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: String(POOL_MAX),
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    JWT_SECRET: randomBytes(32).toString('hex'),
    SECRETS_KEYS: `v1=${randomBytes(32).toString('base64')}`,
    MEDIA_URL_SECRET: randomBytes(16).toString('hex'),
    MEDIA_DIR: mediaDir,
    LOG_LEVEL: 'info',
  };
}

interface ApiUser {
  id: string;
  token: string;
}

async function registerUser(api: string): Promise<ApiUser> {
  const email = `bench-${randomBytes(4).toString('hex')}@example.test`;
  const { user, token } = await callJson<{ user: { id: string }; token: string }>(
    `${api}/api/auth/register`,
    { method: 'POST', json: { email, password: 'correct horse battery staple' } },
    201,
  );
  return { id: user.id, token };
}

async function createAccount(api: string, user: ApiUser, kind: string, credentials: Record<string, string>) {
  const account = await callJson<{ id: string }>(
    `${api}/api/accounts`,
    { method: 'POST', token: user.token, json: { kind, name: `bench ${kind}`, credentials } },
    201,
  );
  return account.id;
}

async function uploadImage(api: string, user: ApiUser) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(samplePng(64, 64))], { type: 'image/png' }), 'photo.png');
  return (await callJson<{ id: string }>(`${api}/api/media`, { method: 'POST', token: user.token, form }, 201)).id;
}

/** A user with a Facebook page, an Instagram account and an image, and the post body a client would send. */
async function prepareWriter(api: string): Promise<{ user: ApiUser; post: CreatePostBody }> {
  const user = await registerUser(api);
  const pageAccount = await createAccount(api, user, 'facebook_page', { page_id: '1001', access_token: 'bench-page-token' });
  const igAccount = await createAccount(api, user, 'instagram_business', { ig_user_id: '2002', access_token: 'bench-ig-token' });
  const post: CreatePostBody = {
    body: 'Fresh sourdough every morning #bakery',
    media_ids: [await uploadImage(api, user)],
    targets: [
      { channel: 'facebook_page', account_id: pageAccount },
      { channel: 'instagram', account_id: igAccount },
    ],
  };
  return { user, post };
}

/** How many statements one create sends to Postgres: the route's use case, run here once. */
async function statementsPerCreate(database: BenchDatabase, userId: string, post: CreatePostBody): Promise<number> {
  const scope = { userId, key: undefined, payload: post };
  const statements = await captureQueries(() => runIdempotent(database.db, scope, 201, (tx) => createPost(tx, userId, post)));
  return statements.length;
}

interface WriteFigures {
  bare: LoadFigures[];
  real: LoadFigures[];
  statements: number;
}

async function measureWrites(database: BenchDatabase, bare: RunningServer, api: string): Promise<WriteFigures> {
  const writer = await prepareWriter(api);
  const statements = await statementsPerCreate(database, writer.user.id, writer.post);
  const [bareRounds, realRounds] = await measureAlternately(
    { label: 'bare insert', request: jsonPost(`${bare.url}/rows`, { body: 'Hello' }) },
    { label: 'POST /api/posts', request: jsonPost(`${api}/api/posts`, writer.post, writer.user.token) },
    WRITE_LOAD,
  );
  return { bare: bareRounds, real: realRounds, statements };
}

// ---- reads: GET /api/posts over 1M posts ----------------------------------------------------

/** The position of the `offset`-th post in the listing's order (for a deep page's cursor). */
async function positionAt(pool: pg.Pool, userId: string, offset: number, status?: string): Promise<PostPosition> {
  const { rows } = await pool.query<PostPosition>(
    `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "createdAt", id
     from posts where user_id = $1 and deleted_at is null and ($2::text is null or status = $2)
     order by created_at desc, id desc offset $3 limit 1`,
    [userId, status ?? null, offset],
  );
  return rows[0]!;
}

interface ListScenario {
  name: string;
  filter: PostListFilter;
  after?: PostPosition;
}

async function listScenarios(pool: pg.Pool, userId: string): Promise<ListScenario[]> {
  const failed = { status: 'failed' as const };
  return [
    { name: 'first page', filter: {} },
    { name: `deep page (post ${SEEDED_POSTS / 2})`, filter: {}, after: await positionAt(pool, userId, SEEDED_POSTS / 2) },
    { name: 'status=failed, first page', filter: failed },
    { name: `status=failed, deep page (post ${SEEDED_POSTS / 40})`, filter: failed, after: await positionAt(pool, userId, SEEDED_POSTS / 40, 'failed') },
  ];
}

function listUrl(api: string, scenario: ListScenario) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (scenario.filter.status) query.set('status', scenario.filter.status);
  if (scenario.after) query.set('cursor', encodeCursor(scenario.after));
  return `${api}/api/posts?${query}`;
}

/** EXPLAIN ANALYZE of the statements listPosts sends for this page (the posts page, then its deliveries). */
async function explainScenario(database: BenchDatabase, userId: string, scenario: ListScenario): Promise<ExplainedQuery[]> {
  const queries = await captureQueries(() => listPosts(database.db, userId, scenario.filter, { limit: PAGE_SIZE, after: scenario.after }));
  const explained: ExplainedQuery[] = [];
  for (const query of queries) explained.push(await explainAnalyze(database.pool, query));
  return explained;
}

interface ListFigures {
  scenario: ListScenario;
  saturated: LoadFigures;
  light: LoadFigures;
  queries: ExplainedQuery[];
}

async function measureListing(api: string, database: BenchDatabase): Promise<ListFigures[]> {
  const user = await registerUser(api);
  const accountId = await createAccount(api, user, 'facebook_page', { page_id: '3003', access_token: 'bench-reader-token' });
  const seedStart = performance.now();
  await seedPosts(database.pool, {
    userId: user.id,
    accountIds: [accountId],
    channel: 'facebook_page',
    count: SEEDED_POSTS,
    // 85% published, 5% each failed, scheduled (next month), pending and canceled.
    deliveryStatus: `case i % 20 when 0 then 'failed' when 1 then 'scheduled' when 2 then 'pending' when 3 then 'canceled' else 'posted' end`,
    dueAt: `case when i % 20 = 1 then now() + interval '30 days' end`,
  });
  note(`seeded ${SEEDED_POSTS} posts and deliveries, vacuumed and analyzed in ${round((performance.now() - seedStart) / 1000)}s`);

  const figures: ListFigures[] = [];
  for (const scenario of await listScenarios(database.pool, user.id)) {
    const request: LoadRequest = { url: listUrl(api, scenario), method: 'GET', headers: { authorization: `Bearer ${user.token}` } };
    figures.push({
      scenario,
      saturated: await measureLoad(`GET ${scenario.name}`, request, READ_SATURATED),
      light: await measureLoad(`GET ${scenario.name}`, request, READ_LIGHT),
      queries: await explainScenario(database, user.id, scenario),
    });
  }
  return figures;
}

// ---- the run ---------------------------------------------------------------------------------

function reportWrites({ bare, real, statements }: WriteFigures): number {
  const row = (load: LoadFigures) => ({ 'req/s': round(load.requestsPerSecond), 'p50 ms': load.p50Ms, 'p99 ms': load.p99Ms, requests: load.requests });
  const [bareMedian, realMedian] = [medianFigures(bare), medianFigures(real)];
  const ratio = realMedian.requestsPerSecond / bareMedian.requestsPerSecond;
  const perRound = real.map((r, i) => `${round((r.requestsPerSecond / bare[i]!.requestsPerSecond) * 100)}%`).join(', ');
  printTable(
    `Writes: ${WRITE_LOAD.connections} connections, ${WRITE_LOAD.rounds} alternating rounds of ${WRITE_LOAD.durationSeconds}s each (medians), pool of ${POOL_MAX}, each server in its own process`,
    [
      // servers/bare-server.ts sends one INSERT per request.
      { server: 'bare Fastify + pg: insert one row', ...row(bareMedian), 'SQL statements/request': 1 },
      { server: 'gateway: POST /api/posts (2 targets, 1 image)', ...row(realMedian), 'SQL statements/request': statements },
      { server: `real / bare (rounds: ${perRound})`, 'req/s': `${round(ratio * 100)}%` },
    ],
  );
  return ratio;
}

function reportListing(listing: ListFigures[]): ListFigures {
  printTable(
    `Listing GET /api/posts?limit=${PAGE_SIZE} over ${SEEDED_POSTS} posts of one user: ` +
      `saturated (${READ_SATURATED.connections} connections, ${READ_SATURATED.durationSeconds}s), light load (${READ_LIGHT.connections} connections, ${READ_LIGHT.durationSeconds}s)`,
    listing.map(({ scenario, saturated, light, queries }) => ({
      page: scenario.name,
      'saturated req/s': round(saturated.requestsPerSecond),
      'saturated p50/p99 ms': `${saturated.p50Ms} / ${saturated.p99Ms}`,
      'light req/s': round(light.requestsPerSecond),
      'light p50/p99 ms': `${light.p50Ms} / ${light.p99Ms}`,
      'light max ms': light.maxMs,
      'SQL ms (page + deliveries)': queries.map((q) => round(q.executionMs, 2)).join(' + '),
    })),
  );
  const worst = listing.reduce((a, b) => (b.light.p99Ms > a.light.p99Ms ? b : a));
  if (worst.light.p99Ms >= LIST_P99_TARGET_MS) {
    console.log(`\nPlan of the posts page query for "${worst.scenario.name}" (EXPLAIN ANALYZE):`);
    for (const line of worst.queries[0]?.plan ?? []) console.log(`  ${line}`);
  }
  return worst;
}

async function withGateway<T>(database: BenchDatabase, redis: BenchRedis, work: (api: RunningServer) => Promise<T>): Promise<T> {
  const mediaDir = mkdtempSync(join(tmpdir(), 'autoposter-bench-media-'));
  const server = await startServer(serverScript('api-server'), gatewayEnv(database, redis, mediaDir));
  return withCleanup(
    () => work(server),
    () => server.stop(),
    async () => rmSync(mediaDir, { recursive: true, force: true }),
  );
}

const database = await createBenchDatabase();
const redis = createBenchRedis();
await withCleanup(
  async () => {
    const { writes, listing } = await withGateway(database, redis, async (api) => {
      const bare = await startBareServer(database);
      const measuredWrites = await withCleanup(() => measureWrites(database, bare, api.url), () => bare.stop());
      return { writes: measuredWrites, listing: await measureListing(api.url, database) };
    });
    const ratio = reportWrites(writes);
    const worst = reportListing(listing);
    console.log('');
    printVerdict('api writes', ratio >= WRITE_RATIO_TARGET, `real/bare ${round(ratio * 100)}% (target >= ${WRITE_RATIO_TARGET * 100}%)`);
    printVerdict(
      'api listing',
      worst.light.p99Ms < LIST_P99_TARGET_MS,
      `worst p99 ${worst.light.p99Ms} ms under light load (${READ_LIGHT.connections} connections), on "${worst.scenario.name}" (target < ${LIST_P99_TARGET_MS} ms)`,
    );
  },
  () => database.drop(),
  () => redis.destroy(),
);
