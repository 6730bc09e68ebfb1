import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@autoposter/db';
import { appendEvents, type PlatformEvent } from '@autoposter/queue';
import {
  createTestDatabase,
  createTestRedis,
  eventually,
  insertAccount,
  insertPost,
  insertPostingJob,
  insertUser,
  testKeyring,
  type TestDatabase,
  type TestRedis,
} from '@autoposter/testing';
import { metric, openEventStream, signTestToken, startTestNotifier, testJwtSecret, type TestNotifier } from '../test/test-notifier.ts';

let db: TestDatabase;
let redis: TestRedis;
let notifier: TestNotifier;
const jwtSecret = testJwtSecret();
const webOrigin = 'https://app.example.test';

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  notifier = await startTestNotifier({ db, redis, jwtSecret }, { HEARTBEAT_INTERVAL: '200ms', WEB_ORIGIN: webOrigin });
});
afterAll(async () => {
  await notifier.close();
  await redis.destroy();
  await db.destroy();
});

/** A user with a running job over `posts` posts. */
async function userWithJob(posts = 3) {
  const user = await insertUser(db.db);
  const account = await insertAccount(db.db, testKeyring(), user.id);
  const deliveries = [];
  for (let i = 0; i < posts; i++) deliveries.push(...(await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id }])).deliveries);
  const job = await insertPostingJob(db.db, user.id, deliveries);
  await db.db.update(schema.postingJobs).set({ status: 'running', startedAt: new Date() }).where(eq(schema.postingJobs.id, job.id));
  return { id: user.id, token: signTestToken(jwtSecret, user.id), job, total: posts };
}

const progress = (owner: { id: string; job: { id: string }; total: number }, completed: number): PlatformEvent => ({
  type: 'job.progress',
  user_id: owner.id,
  job_id: owner.job.id,
  data: {
    job_id: owner.job.id,
    status: completed === owner.total ? 'completed' : 'running',
    total_posts: owner.total,
    completed_posts: completed,
    failed_posts: 0,
    ...(completed === owner.total ? { final: true } : {}),
  },
});

const append = (...events: PlatformEvent[]) => appendEvents(redis.client, redis.prefix, events);
const streamUrl = (jobId: string, token?: string, base = notifier.url) => `${base}/api/posts/status-stream/${jobId}/${token ? `?token=${token}` : ''}`;

/** Alice's job of 4 posts, seen on a stream up to its 2nd post, which then drops; the 3rd comes while it is away. */
async function streamDroppedAfterSecondPost() {
  const alice = await userWithJob(4);
  const first = await openEventStream(streamUrl(alice.job.id, alice.token));
  await first.receive(1);
  await append(progress(alice, 1), progress(alice, 2));
  const [, , second] = await first.receive(3);
  first.abort();
  await append(progress(alice, 3));
  return { alice, lastEventId: second!.id! };
}

describe('GET /api/posts/status-stream/:job_id/', () => {
  it("is the owner's only: 401 without a token, 404 for another user's job, 400 for a bad id", async () => {
    const alice = await userWithJob();
    const bob = await userWithJob();
    expect((await openEventStream(streamUrl(alice.job.id))).status).toBe(401);
    const foreign = await fetch(streamUrl(alice.job.id, bob.token));
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ code: 'not_found' });
    expect((await fetch(streamUrl(randomUUID(), alice.token))).status).toBe(404);
    const bad = await fetch(`${notifier.url}/api/posts/status-stream/nope/?token=${alice.token}`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('job_id');
  });

  it("streams the current state, then only this job's progress, and ends after final", async () => {
    const alice = await userWithJob(3);
    const bob = await userWithJob(3);
    const other = await insertPostingJob(db.db, alice.id, []);
    const stream = await openEventStream(streamUrl(alice.job.id), { authorization: `Bearer ${alice.token}` });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const [current] = await stream.receive(1);
    expect(current).toMatchObject({ data: { job_id: alice.job.id, status: 'running', completed_posts: 0, total_posts: 3 } });
    expect(current!.id).toBeUndefined();

    await append(
      progress(bob, 1),
      { type: 'delivery.updated', user_id: alice.id, job_id: alice.job.id, data: { status: 'posted' } },
      { ...progress(alice, 1), job_id: other.id },
      progress(alice, 1),
    );
    await append(progress(alice, 2), progress(bob, 2), progress(alice, 3), progress(alice, 3));
    await stream.ended;
    expect(stream.events.map((e) => e.data.completed_posts)).toEqual([0, 1, 2, 3]);
    expect(stream.events.slice(1).every((e) => /^\d+-\d+$/.test(e.id!))).toBe(true);
    expect(stream.events.at(-1)!.data).toMatchObject({ final: true, job_id: alice.job.id });
  });

  it('resumes after Last-Event-ID with what was missed, without the state first', async () => {
    const { alice, lastEventId } = await streamDroppedAfterSecondPost();
    const resumed = await openEventStream(streamUrl(alice.job.id, alice.token), { 'last-event-id': lastEventId });
    await append(progress(alice, 4));
    await resumed.ended;
    expect(resumed.events.map((e) => e.data.completed_posts)).toEqual([3, 4]);
    expect(resumed.events.every((e) => e.id !== undefined)).toBe(true);
  });

  it('answers a finished job at once with its last state, and 204 to a client that saw its end', async () => {
    const alice = await userWithJob(1);
    await append(progress(alice, 1));
    await db.db
      .update(schema.postingJobs)
      .set({ status: 'completed', completedPosts: 1, completedAt: new Date() })
      .where(eq(schema.postingJobs.id, alice.job.id));
    const stream = await openEventStream(streamUrl(alice.job.id, alice.token));
    await stream.ended;
    expect(stream.events).toHaveLength(1);
    expect(stream.events[0]!.data).toMatchObject({ job_id: alice.job.id, status: 'completed', completed_posts: 1, progress_percentage: 100, final: true });

    const live = await openEventStream(streamUrl(alice.job.id, alice.token), { 'last-event-id': '0-0' });
    await live.ended;
    expect(live.events.map((e) => e.data.final)).toEqual([true]);
    const lastId = live.events[0]!.id!;
    const again = await fetch(streamUrl(alice.job.id, alice.token), { headers: { 'last-event-id': lastId } });
    expect(again.status).toBe(204);
  });

  it('sends comment heartbeats while waiting', async () => {
    const alice = await userWithJob();
    const stream = await openEventStream(streamUrl(alice.job.id, alice.token));
    const deadline = Date.now() + 10_000;
    while (stream.comments < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stream.comments).toBeGreaterThanOrEqual(2);
    stream.abort();
  });

  it('lets pages of the configured web origin read it (CORS), and no other', async () => {
    const alice = await userWithJob();
    const preflight = await fetch(streamUrl(alice.job.id), {
      method: 'OPTIONS',
      headers: { origin: webOrigin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,last-event-id' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(webOrigin);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('last-event-id');
    const stream = await openEventStream(streamUrl(alice.job.id, alice.token), { origin: webOrigin });
    expect(stream.headers.get('access-control-allow-origin')).toBe(webOrigin);
    stream.abort();
    const elsewhere = await openEventStream(streamUrl(alice.job.id, alice.token), { origin: 'https://evil.example.test' });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    elsewhere.abort();
  });

  it('cuts a stream when its token expires, and counts it while open', async () => {
    const alice = await userWithJob();
    const sseClients = () => metric(notifier, 'notifier_clients', { transport: 'sse' });
    const expiredDrops = () => metric(notifier, 'notifier_clients_dropped_total', { transport: 'sse', reason: 'token_expired' });
    await eventually('the other tests\' streams to be gone', async () => (await sseClients()) === 0);
    const dropsBefore = await expiredDrops();
    const stream = await openEventStream(streamUrl(alice.job.id, signTestToken(jwtSecret, alice.id, { expiresInMs: 1_500 })));
    await stream.receive(1);
    expect(await sseClients()).toBe(1);
    // Cut, not ended: EventSource reconnects (with its Last-Event-ID), and the new token is checked then.
    await expect(stream.ended).rejects.toThrow();
    expect(await expiredDrops()).toBe(dropsBefore + 1);
    await eventually('the stream to leave the gauge', async () => (await sseClients()) === 0);
  });

  it('never writes the query-string token to a log line', async () => {
    const alice = await userWithJob();
    const stream = await openEventStream(streamUrl(alice.job.id, alice.token));
    await stream.receive(1);
    stream.abort();
    expect((await fetch(streamUrl(randomUUID(), alice.token))).status).toBe(404);
    expect((await fetch(`${notifier.url}/api/posts/status-stream/nope/?token=${alice.token}`)).status).toBe(400);
    await eventually('the last request to be logged', () => notifier.logs.some((line) => line.includes('/status-stream/nope/')));
    const logs = notifier.logs.join('\n');
    expect(logs).not.toContain(alice.token);
    expect(logs).toContain(`/api/posts/status-stream/${alice.job.id}/?token=%5Bredacted%5D`);
  });

  it('resumes on another replica from the Last-Event-ID the first one sent', async () => {
    const replica = await startTestNotifier({ db, redis, jwtSecret });
    try {
      const { alice, lastEventId } = await streamDroppedAfterSecondPost();
      const resumed = await openEventStream(streamUrl(alice.job.id, alice.token, replica.url), { 'last-event-id': lastEventId });
      await append(progress(alice, 4));
      await resumed.ended;
      expect(resumed.events.map((e) => [e.data.completed_posts, e.data.final])).toEqual([
        [3, undefined],
        [4, true],
      ]);
    } finally {
      await replica.close();
    }
  });
});
