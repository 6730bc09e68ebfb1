// The whole platform as the README starts it (`pnpm stack`: gateway, notifier, both workers and
// both fakes as real processes), driven over real HTTP and WebSockets as two users would.
import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedSandboxAccounts, startStack, type Channel, type RunningStack, type SandboxAccounts } from '@autoposter/stack';
import { openSocket, type TestSocket, type WsMessage } from '../services/notifier/src/test/test-notifier.ts';

interface Delivery {
  id: string;
  channel: Channel;
  status: string;
  attempt_count: number;
  provider_post_id: string | null;
  permalink: string | null;
  posted_at: string | null;
}
interface Post {
  id: string;
  status: string;
  scheduled_at: string | null;
  deliveries: Delivery[];
}
interface FakeGraphState {
  posts: { id: string; pageId: string; message: string; isPublished: boolean }[];
  ig_media: { id: string; igUserId: string; caption: string }[];
}

let stack: RunningStack;
let alice: User;
let bob: User;
/** Every process of the stack (and whatever they start) carries it in its environment: what "no process left" looks for. */
let queuePrefix: string;

/** A registered user with an account of every kind, an uploaded image and a socket on all their events. */
interface User {
  email: string;
  token: string;
  accounts: SandboxAccounts;
  mediaId: string;
  socket: TestSocket;
  /** Every id that belongs to this user (posts, deliveries, jobs, accounts), for the isolation check. */
  owned: Set<string>;
}

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.urls.api}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

async function ok<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  const answer = await call<T>(method, path, token, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const getPost = (user: User, id: string) => ok<Post>('GET', `/api/posts/${id}`, user.token);
const fakeGraphState = async () => (await fetch(`${stack.urls.fakeGraph}/_control/state`)).json() as Promise<FakeGraphState>;
const fakeFacebook = async <T>(path: string) => (await fetch(`${stack.urls.fakeFacebook}/__control${path}`)).json() as Promise<T>;

async function newUser(name: string): Promise<User> {
  const email = `${name}-${Date.now()}@example.test`;
  const registered = await call<{ token: string }>('POST', '/api/auth/register', null, { email, password: `${name}-correct-horse-battery` });
  expect(registered.status).toBe(201);
  const { token } = registered.body;
  const socket = await openSocket(`${stack.urls.notifier.replace(/^http/, 'ws')}/ws?token=${token}`);
  const accounts = await seedSandboxAccounts({ apiUrl: stack.urls.api, token, fakeGraphUrl: stack.urls.fakeGraph!, fakeFacebookUrl: stack.urls.fakeFacebook!, namePrefix: name });

  const image = await sharp({ create: { width: 1080, height: 1080, channels: 3, background: '#d08c4a' } }).jpeg().toBuffer();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), `${name}.jpg`);
  const uploaded = await fetch(`${stack.urls.api}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(uploaded.status).toBe(201);
  const media = (await uploaded.json()) as { id: string; mime: string; width: number };
  expect(media).toMatchObject({ mime: 'image/jpeg', width: 1080 });

  const owned = new Set(accounts.targets.map((t) => t.account_id));
  return { email, token, accounts, mediaId: media.id, socket, owned };
}

const target = (user: User, channel: Channel) => user.accounts.targets.find((t) => t.channel === channel)!;

/** Creates a post and remembers its ids as the user's. */
async function createPost(user: User, body: Record<string, unknown>): Promise<Post> {
  const post = await ok<Post>('POST', '/api/posts', user.token, body);
  user.owned.add(post.id);
  for (const delivery of post.deliveries) user.owned.add(delivery.id);
  return post;
}

/** One post per channel, all with the user's image. */
async function postsForEveryChannel(user: User, tag: string): Promise<Post[]> {
  const media_ids = [user.mediaId];
  return [
    await createPost(user, {
      title: `Oak side table ${tag}`,
      body: `Solid oak, a few scratches. ${tag}`,
      price: 40,
      currency: 'USD',
      category: 'Furniture',
      condition: 'Used - good',
      location: 'Austin, Texas',
      media_ids,
      targets: [target(user, 'marketplace')],
    }),
    await createPost(user, { body: `Garage sale on Saturday ${tag}`, media_ids, targets: [target(user, 'facebook_group')] }),
    await createPost(user, { body: `Fresh bread this weekend ${tag}`, media_ids, targets: [target(user, 'facebook_page')] }),
    await createPost(user, { body: `Weekend bake ${tag} #bakery`, media_ids, targets: [target(user, 'instagram')] }),
  ];
}

const isFinal = (message: WsMessage) => message.type === 'job.progress' && message.data.final === true;

beforeAll(async () => {
  stack = await startStack({
    adminDatabaseUrl: inject('databaseAdminUrl'),
    templateDatabase: inject('templateDatabase'),
    redisUrl: inject('redisUrl'),
    mode: 'launcher',
    readyTimeoutMs: 300_000,
  });
  queuePrefix = stack.env.QUEUE_PREFIX!;
  [alice, bob] = [await newUser('alice'), await newUser('bob')];
}, 420_000);

afterAll(async () => {
  for (const user of [alice, bob]) user?.socket.socket.close();
  // Normally stopped by the last test; this only cleans up after a failure before it.
  if (stack && processesOf(queuePrefix).length > 0) await stack.stop();
}, 120_000);

describe.sequential('the platform as the README starts it', () => {
  it('publishes two users\' posts to all four channels, each once, with permalinks the fakes serve', async () => {
    const runs = await Promise.all(
      [alice, bob].map(async (user) => {
        const posts = await postsForEveryChannel(user, `run-${user.email}`);
        const started = await ok<{ job_id: string; ws_url: string; pending_count: number }>('POST', '/api/posts/start-posting', user.token, { post_ids: posts.map((p) => p.id) });
        expect(started.pending_count).toBe(4);
        user.owned.add(started.job_id);
        const socket = await openSocket(`${started.ws_url}&token=${user.token}`);
        return { user, posts, jobId: started.job_id, socket };
      }),
    );

    for (const run of runs) {
      await waitFor(`${run.user.email}'s run to end`, async () => run.socket.messages.find(isFinal), 150_000);
      run.socket.socket.close();
      const final = run.socket.messages.find(isFinal)!;
      expect(final.data).toMatchObject({ job_id: run.jobId, status: 'completed', total_posts: 4, completed_posts: 4, failed_posts: 0 });
      expect(run.socket.messages.every((m) => m.data.job_id === run.jobId || run.user.owned.has(m.data.post_id as string))).toBe(true);
    }

    const graph = await fakeGraphState();
    for (const run of runs) {
      const { accounts } = run.user;
      const postedIds = new Map<Channel, string>();
      for (const { id } of run.posts) {
        const post = await getPost(run.user, id);
        expect(post.status).toBe('published');
        const [delivery] = post.deliveries;
        expect(delivery, JSON.stringify(post)).toMatchObject({ status: 'posted', provider_post_id: expect.any(String), permalink: expect.any(String) });
        await expectServedByTheFakes(delivery!.permalink!, accounts);
        postedIds.set(delivery!.channel, delivery!.provider_post_id!);
      }
      const posted = (channel: Channel) => postedIds.get(channel);

      // Each fake holds exactly one publication per delivery: this user's identities there have one each.
      const listings = await fakeFacebook<{ id: string }[]>(`/listings?user_id=${accounts.marketplace.fakeUserId}`);
      expect(listings.map((l) => l.id)).toEqual([posted('marketplace')]);
      const groupPosts = await fakeFacebook<{ id: string; userId: string }[]>(`/group-posts?group_id=${accounts.facebookGroup.groupId}`);
      expect(groupPosts.map((p) => [p.id, p.userId])).toEqual([[posted('facebook_group'), accounts.facebookGroup.fakeUserId]]);
      const pagePosts = graph.posts.filter((p) => p.pageId === accounts.facebookPage.pageId && p.isPublished);
      expect(pagePosts.map((p) => p.id)).toEqual([posted('facebook_page')]);
      const igMedia = graph.ig_media.filter((m) => m.igUserId === accounts.instagram.igUserId);
      expect(igMedia.map((m) => m.id)).toEqual([posted('instagram')]);
    }
  }, 240_000);

  it('publishes a scheduled post within a second of its time, and never one whose schedule was canceled', async () => {
    const page = target(alice, 'facebook_page');
    const at = new Date(Date.now() + 5_000).toISOString();
    const scheduled = await createPost(alice, { body: `Scheduled bake ${Date.now()}`, targets: [page], scheduled_at: at });
    const canceledText = `Canceled bake ${Date.now()}`;
    const canceled = await createPost(alice, { body: canceledText, targets: [page], scheduled_at: at });
    expect([scheduled.status, canceled.status]).toEqual(['scheduled', 'scheduled']);
    await ok('DELETE', `/api/posts/${canceled.id}/schedule`, alice.token);

    const published = await waitFor('the scheduled post to be published', async () => {
      const post = await getPost(alice, scheduled.id);
      return post.deliveries[0]!.status === 'posted' && post;
    });
    const late = Date.parse(published.deliveries[0]!.posted_at!) - Date.parse(at);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThanOrEqual(1_000);

    // Past its time (and a few dispatch passes), the canceled post is still not anywhere.
    await waitFor('the canceled post\'s time to pass', async () => Date.now() > Date.parse(at) + 3_000);
    expect((await getPost(alice, canceled.id)).deliveries.map((d) => d.status)).toEqual(['canceled']);
    expect((await fakeGraphState()).posts.filter((p) => p.message.includes(canceledText))).toEqual([]);
  }, 120_000);

  it('publishes once after the Graph API answers a rate-limit error, on the second attempt', async () => {
    const page = alice.accounts.facebookPage.pageId;
    // Meta asks for minutes; a fraction of one (3 s) keeps the test short on the same code path.
    const scripted = await fetch(`${stack.urls.fakeGraph}/_control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        path: `^/${page}/(feed|photos)$`,
        method: 'POST',
        times: 1,
        fault: { kind: 'error', error: { code: 32, message: '(#32) Page request limit reached' }, usage: { business: { [page]: { percent: 100, etaMinutes: 0.05 } } } },
      }),
    });
    expect(scripted.status).toBe(201);
    const text = `Rate-limited bake ${Date.now()}`;
    const post = await createPost(alice, { body: text, targets: [target(alice, 'facebook_page')] });
    const started = await ok<{ job_id: string }>('POST', '/api/posts/start-posting', alice.token, { post_ids: [post.id] });
    alice.owned.add(started.job_id);

    const delivery = await waitFor('the rate-limited delivery to be posted', async () => {
      const found = await ok<Delivery & { attempts: { outcome: string; error_type: string | null }[] }>('GET', `/api/deliveries/${post.deliveries[0]!.id}`, alice.token);
      return found.status === 'posted' && found;
    });
    expect(delivery.attempt_count).toBe(2);
    expect(delivery.attempts.map((a) => a.error_type)).toEqual(['rate_limit', null]);
    const stored = (await fakeGraphState()).posts.filter((p) => p.message.includes(text));
    expect(stored.map((p) => [p.id, p.isPublished])).toEqual([[delivery.provider_post_id, true]]);
  }, 120_000);

  it('turns a browser account\'s health to error over the WebSocket when the fake Facebook expires its session', async () => {
    const { accountId, fakeUserId } = alice.accounts.facebookGroup;
    const expired = await fetch(`${stack.urls.fakeFacebook}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: fakeUserId, fault: { kind: 'session_expired' } }),
    });
    expect(expired.status).toBe(204);
    const check = await ok<{ valid: boolean }>('POST', `/api/accounts/${accountId}/validate-session`, alice.token, {});
    expect(check.valid).toBe(false);
    const health = await waitFor('an account.health message', async () =>
      alice.socket.messages.find((m) => m.type === 'account.health' && m.data.account_id === accountId),
    );
    expect(health.data).toMatchObject({ health_status: 'error', session_valid: false });
  }, 120_000);

  it('showed each user only their own events', async () => {
    // Runs the test did not start itself (a schedule's) are the user's as their own job list says.
    for (const user of [alice, bob]) {
      const jobs = await ok<{ items: { job_id: string }[] }>('GET', '/api/jobs?limit=100', user.token);
      for (const job of jobs.items) user.owned.add(job.job_id);
    }
    for (const [user, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      expect(user.socket.messages.length).toBeGreaterThan(0);
      const foreign = user.socket.messages.filter((m) => !ownedBy(user, m));
      expect(foreign, `${user.email} saw events that are not theirs`).toEqual([]);
      expect(user.socket.messages.filter((m) => ownedBy(other, m))).toEqual([]);
    }
    expect(alice.socket.messages.some((m) => m.type === 'account.health')).toBe(true);
    expect(bob.socket.messages.some((m) => m.type === 'account.health')).toBe(false);
  });

  it('stops on SIGTERM, every process leaving by itself', async () => {
    expect(processesOf(queuePrefix).length).toBeGreaterThan(0);
    const { exitedByItself } = await stack.stop();
    expect(exitedByItself, stack.output()).toBe(true);
    expect(processesOf(queuePrefix)).toEqual([]);
    for (const url of Object.values(stack.urls)) {
      await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    }
  }, 120_000);
});

function ownedBy(user: User, message: WsMessage): boolean {
  const { job_id: jobId, post_id: postId, account_id: accountId, id } = message.data as Record<string, string | undefined>;
  return [jobId, postId, accountId, id].some((value) => value !== undefined && user.owned.has(value));
}

/** Fetches a permalink as a person would: it is on one of the fakes, and the fake shows the publication. */
async function expectServedByTheFakes(permalink: string, accounts: SandboxAccounts) {
  const fakes = [stack.urls.fakeGraph!, stack.urls.fakeFacebook!];
  expect(fakes.some((fake) => permalink.startsWith(`${fake}/`)), permalink).toBe(true);
  const response = await fetch(permalink, { redirect: 'manual', headers: { cookie: await sessionCookieFor(permalink, accounts) } });
  expect(response.status, permalink).toBe(200);
}

/** Pages of the fake Facebook are behind its login: the seeded account's session cookies. */
async function sessionCookieFor(permalink: string, accounts: SandboxAccounts): Promise<string> {
  if (!permalink.startsWith(stack.urls.fakeFacebook!)) return '';
  const userId = permalink.includes('/marketplace/') ? accounts.marketplace.fakeUserId : accounts.facebookGroup.fakeUserId;
  const account = await fakeFacebook<{ cookies: { name: string; value: string }[] }>(`/accounts/${userId}`);
  return account.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** Processes of this machine whose environment carries the stack's queue prefix: the stack's, and anything they started. */
function processesOf(prefix: string): number[] {
  const marker = `QUEUE_PREFIX=${prefix}`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}
