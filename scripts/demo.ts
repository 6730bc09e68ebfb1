/**
 * `pnpm demo`: one run through the whole platform against a running `pnpm stack` in sandbox
 * mode. Signs in a user, gives it an account of every kind seeded into the fakes, uploads an
 * image, creates one post per channel, starts posting, follows the run over the notifier's
 * WebSocket to its final event with a progress bar, and prints where each delivery went.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import sharp from 'sharp';
import WebSocket from 'ws';
import { seedSandboxAccounts, stackPlan, type SandboxAccounts, type SandboxTarget } from '@autoposter/stack';
import { SANDBOX_EMAIL, sandboxToken } from './stack-welcome.ts';

const RUN_TIMEOUT_MS = 180_000;

interface JobEvent {
  status: string;
  total_posts: number;
  completed_posts: number;
  failed_posts: number;
  current_post_title: string | null;
  final?: boolean;
}

interface Delivery {
  channel: string;
  status: string;
  permalink: string | null;
  last_error_type: string | null;
  last_error_message: string | null;
}

async function main() {
  const root = resolve(import.meta.dirname, '..');
  const envFile = resolve(root, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const { urls } = stackPlan(process.env, root);
  if (!urls.fakeGraph || !urls.fakeFacebook) throw new Error('pnpm demo runs in the sandbox only: set SANDBOX=true (or remove SANDBOX=false) in .env and restart pnpm stack');
  const api = new Api(urls.api);
  await refuseRealProviders(api);

  api.token = await signIn(api);
  const accounts = await seedSandboxAccounts({ apiUrl: urls.api, token: api.token, fakeGraphUrl: urls.fakeGraph, fakeFacebookUrl: urls.fakeFacebook, namePrefix: 'Demo' });
  console.log('accounts: a Marketplace seller, a group member, a Facebook Page and its Instagram account, seeded into the fakes');

  const media = await api.uploadImage(await demoImage(), 'A loaf of sourdough on a wooden board');
  const postIds = await createPosts(api, accounts, media.id);
  console.log(`posts: ${postIds.length} with image ${media.id}, one per channel`);

  const run = await api.post<{ job_id: string; ws_url: string }>('/api/posts/start-posting', { post_ids: postIds });
  console.log(`job ${run.job_id} started`);
  await followRun(`${run.ws_url}&token=${encodeURIComponent(api.token)}`);
  const failed = await printDeliveries(api, postIds);
  process.exit(failed ? 1 : 0);
}

/** The sandbox user when SANDBOX_PASSWORD is set (the dashboard shows the run), else a fresh one. */
async function signIn(api: Api): Promise<string> {
  if (process.env.SANDBOX_PASSWORD) {
    console.log(`user: ${SANDBOX_EMAIL} (password SANDBOX_PASSWORD from .env)`);
    return sandboxToken(api.url, process.env.SANDBOX_PASSWORD);
  }
  const email = `demo-${Date.now()}@autoposter.local`;
  const password = randomBytes(12).toString('base64url');
  const { token } = await api.post<{ token: string }>('/api/auth/register', { email, password });
  console.log(`user: ${email}, password ${password} (generated for this demo; sign in to the dashboard with it)`);
  return token;
}

async function refuseRealProviders(api: Api) {
  const platform = await api.get<{ sandbox: boolean }>('/api/platform');
  if (!platform.sandbox) throw new Error(`${api.url} publishes to the real providers: pnpm demo runs against a sandbox stack only`);
}

/** A square JPEG Instagram accepts (1080 px, well within its aspect ratio and size limits). */
function demoImage(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1080" height="1080">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#f4a261"/><stop offset="1" stop-color="#2a9d8f"/></linearGradient></defs>
    <rect width="1080" height="1080" fill="url(#g)"/>
    <circle cx="540" cy="500" r="260" fill="#fefae0" opacity="0.85"/>
    <text x="540" y="900" font-family="sans-serif" font-size="72" text-anchor="middle" fill="#264653">autoposter demo</text>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

async function createPosts(api: Api, accounts: SandboxAccounts, mediaId: string): Promise<string[]> {
  const target = (channel: SandboxTarget['channel']) => accounts.targets.find((t) => t.channel === channel)!;
  const posts = [
    {
      title: 'Sourdough starter kit',
      body: 'Jar, flour and a week-old starter. Pick up downtown.',
      price: 15,
      currency: 'USD',
      category: 'Household',
      condition: 'New',
      location: 'Austin, Texas',
      targets: [target('marketplace')],
    },
    { body: 'Fresh sourdough this Saturday morning, first come first served!', targets: [target('facebook_group')] },
    { body: 'Our weekend bake is out of the oven. See you at the shop!', targets: [target('facebook_page')] },
    { body: 'Weekend bake, fresh from the oven #sourdough #bakery', targets: [target('instagram')] },
  ];
  const ids: string[] = [];
  for (const post of posts) ids.push((await api.post<{ id: string }>('/api/posts', { ...post, media_ids: [mediaId] })).id);
  return ids;
}

/** Follows the job's events over the notifier's WebSocket until its final job.progress. */
function followRun(wsUrl: string): Promise<void> {
  const bar = new SingleBar(
    { format: 'publishing [{bar}] {value}/{total} deliveries | {status}', noTTYOutput: true, notTTYSchedule: 5_000, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(1, 0, { status: 'connecting' });
  return new Promise((done, fail) => {
    const socket = new WebSocket(wsUrl);
    const timer = setTimeout(() => finish(new Error(`the run did not finish within ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS);
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      bar.stop();
      socket.close();
      if (error) fail(error);
      else done();
    };
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as { type: string; data: JobEvent };
      if (message.type !== 'job.progress') return;
      const job = message.data;
      const current = job.current_post_title && !job.final ? `, now: ${job.current_post_title}` : '';
      bar.setTotal(job.total_posts);
      bar.update(job.completed_posts + job.failed_posts, { status: `${job.status}: ${job.completed_posts} posted, ${job.failed_posts} failed${current}` });
      if (job.final) finish();
    });
    socket.on('unexpected-response', (_request, response) => finish(new Error(`the notifier refused the WebSocket: ${response.statusCode}`)));
    socket.on('error', (error) => finish(error));
    socket.on('close', (code) => finish(new Error(`the notifier closed the WebSocket (${code}) before the run ended`)));
  });
}

/** Prints each delivery with its permalink (or error); true when any failed. */
async function printDeliveries(api: Api, postIds: string[]): Promise<boolean> {
  let failed = false;
  console.log('');
  for (const id of postIds) {
    const { deliveries } = await api.get<{ deliveries: Delivery[] }>(`/api/posts/${id}`);
    for (const delivery of deliveries) {
      const where = delivery.permalink ?? `${delivery.last_error_type ?? 'no permalink'}: ${delivery.last_error_message ?? ''}`;
      console.log(`${delivery.channel.padEnd(15)} ${delivery.status.padEnd(8)} ${where}`);
      failed ||= delivery.status !== 'posted';
    }
  }
  console.log('\nSandbox: every delivery went to the fake Graph API or the fake Facebook; nothing was published for real.');
  return failed;
}

/** The gateway, with the user's token once signed in. */
class Api {
  token = '';
  constructor(readonly url: string) {}

  get<T>(path: string): Promise<T> {
    return this.call(path, { method: 'GET' });
  }

  post<T>(path: string, body: object): Promise<T> {
    return this.call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  uploadImage(image: Buffer, altText: string): Promise<{ id: string }> {
    const form = new FormData();
    form.append('alt_text', altText);
    form.append('file', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'demo.jpg');
    return this.call('/api/media', { method: 'POST', body: form });
  }

  private async call<T>(path: string, init: RequestInit): Promise<T> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set('authorization', `Bearer ${this.token}`);
    const response = await fetch(`${this.url}${path}`, { ...init, headers, signal: AbortSignal.timeout(30_000) }).catch((err: Error) => {
      throw new Error(`${this.url} does not answer (${err.message}): start the stack first with pnpm stack`);
    });
    if (!response.ok) throw new Error(`${init.method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
}

await main().catch((err: Error) => {
  console.error(`demo: ${err.message}`);
  process.exit(1);
});
