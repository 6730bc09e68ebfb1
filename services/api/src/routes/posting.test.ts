import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@autoposter/db';
import { deliveryJobId, readEvents } from '@autoposter/queue';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { userWithAccounts } from '../test/posting-fixtures.ts';

let api: TestApi;
let alice: Awaited<ReturnType<typeof userWithAccounts>>;
let bob: Awaited<ReturnType<typeof userWithAccounts>>;

beforeAll(async () => {
  api = await createTestApi();
  alice = await userWithAccounts(api);
  bob = await userWithAccounts(api);
});
afterAll(() => api.close());

const deliveriesOf = (postId: string) =>
  api.db.db.select().from(schema.deliveries).where(eq(schema.deliveries.postId, postId));
const jobFor = async (delivery: { id: string; run: number; channel: string }) => {
  const queue = delivery.channel === 'facebook_page' || delivery.channel === 'instagram' ? api.app.engine.queues.meta : api.app.engine.queues.marketplace;
  return queue.getJob(deliveryJobId(delivery.id, delivery.run));
};
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

describe('POST /api/posts/start-posting', () => {
  it('describes ws_url and status_stream_url in the OpenAPI document: how to add the token and what comes', async () => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json();
    const accepted = doc.paths['/api/posts/{id}/publish-now'].post.responses['202'].content['application/json'].schema.properties;
    expect(accepted.status_stream_url.description).toContain('?token=');
    expect(accepted.ws_url.description).toContain('&token=');
  });


  it('rejects post_ids that is not an array with the contract message', async () => {
    for (const payload of [{}, { post_ids: 'abc' }, { post_ids: null }]) {
      const res = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: alice.headers, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'Please provide post_ids as an array', code: 'validation_error' });
    }
  });

  it('names a post id that is not a UUID', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: alice.headers, payload: { post_ids: ['nope'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('post_ids[0] must be a UUID');
  });

  it('answers 400 when none of the ids is a pending post of the caller', async () => {
    const bobs = await bob.post();
    const res = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: alice.headers, payload: { post_ids: [bobs.post.id] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'No pending posts found with the provided IDs', code: 'no_pending_posts' });
    expect((await deliveriesOf(bobs.post.id))[0]!.status).toBe('pending');
  });

  it("queues only the caller's pending posts, one job per delivery, and answers at once", async () => {
    const mine = await alice.post(['facebook_page', 'marketplace']);
    const other = await bob.post();
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/posts/start-posting',
      headers: alice.headers,
      // The same id twice is one selected post.
      payload: { post_ids: [mine.post.id, other.post.id, mine.post.id] },
    });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({
      success: true,
      message: 'Started posting process for 1 pending post(s)',
      pending_count: 1,
      total_selected: 2,
    });
    expect(body.status_stream_url).toContain(`/api/posts/status-stream/${body.job_id}/`);
    expect(body.ws_url).toMatch(/^ws:\/\/.+\/ws\?job_id=/);

    const rows = await deliveriesOf(mine.post.id);
    expect(rows.map((d) => d.status)).toEqual(['queued', 'queued']);
    for (const d of rows) {
      expect(d.postingJobId).toBe(body.job_id);
      const job = await jobFor(d);
      expect(job?.data).toEqual({ delivery_id: d.id, run: d.run });
      expect(JSON.stringify(job?.data)).not.toContain('secret');
    }
    expect((await deliveriesOf(other.post.id))[0]!.status).toBe('pending');

    const job = await api.app.inject({ url: `/api/jobs/${body.job_id}`, headers: alice.headers });
    expect(job.statusCode).toBe(200);
    expect(job.json()).toMatchObject({ job_id: body.job_id, status: 'queued', total_posts: 1 });

    const events = await readEvents(api.redis.client, api.config.redis.prefix, { afterId: '0' });
    expect(events.some((e) => e.type === 'job.progress' && e.job_id === body.job_id && e.user_id === alice.user.id)).toBe(true);
  });

  it('starting the same posts twice creates no second job', async () => {
    const { post } = await alice.post();
    const first = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: alice.headers, payload: { post_ids: [post.id] } });
    expect(first.statusCode).toBe(202);
    const second = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: alice.headers, payload: { post_ids: [post.id] } });
    expect(second.statusCode).toBe(400);
  });

  it('requires a token', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', payload: { post_ids: [] } });
    expect(res.statusCode).toBe(401);
  });
});

describe('scheduling', () => {
  it('schedules within the horizon as a delayed job at the exact time', async () => {
    const { post } = await alice.post();
    const at = inMinutes(5);
    const res = await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: at } });
    expect(res.statusCode).toBe(200);
    const [d] = await deliveriesOf(post.id);
    expect(d!.status).toBe('scheduled');
    expect(res.json()).toEqual({ id: post.id, scheduled_at: new Date(at).toISOString(), job_id: d!.postingJobId });
    expect(d!.dueAt!.toISOString()).toBe(new Date(at).toISOString());
    const job = await jobFor(d!);
    expect(await job!.getState()).toBe('delayed');
    expect(job!.timestamp + job!.delay).toBeGreaterThanOrEqual(Date.parse(at) - 50);
    expect(job!.timestamp + job!.delay).toBeLessThanOrEqual(Date.parse(at) + 50);
  });

  it('keeps a delivery due beyond the horizon only in Postgres until a pass brings it in', async () => {
    const { post } = await alice.post();
    await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: inMinutes(60 * 24 * 30) } });
    const [d] = await deliveriesOf(post.id);
    expect(d!.status).toBe('scheduled');
    expect(await jobFor(d!)).toBeUndefined();
  });

  it('reschedules: the old job is gone, a new run is delayed to the new time', async () => {
    const { post } = await alice.post();
    await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: inMinutes(5) } });
    const [before] = await deliveriesOf(post.id);
    const later = inMinutes(9);
    const res = await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: later } });
    expect(res.statusCode).toBe(200);
    const [after] = await deliveriesOf(post.id);
    expect(after!.run).toBe(before!.run + 1);
    expect(await jobFor(before!)).toBeUndefined();
    const job = await jobFor(after!);
    expect(Math.abs(job!.timestamp + job!.delay - Date.parse(later))).toBeLessThan(50);
  });

  it('rejects a time in the past, a bad date and a non-UUID id with 400', async () => {
    const { post } = await alice.post();
    const past = await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: inMinutes(-1) } });
    expect(past.statusCode).toBe(400);
    expect(past.json().error).toContain('future');
    const bad = await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: 'tomorrow' } });
    expect(bad.statusCode).toBe(400);
    const id = await api.app.inject({ method: 'POST', url: '/api/posts/123/schedule', headers: alice.headers, payload: { scheduled_at: inMinutes(5) } });
    expect(id.statusCode).toBe(400);
  });

  it("answers 404 for another user's post", async () => {
    const { post } = await bob.post();
    for (const [method, url] of [
      ['POST', `/api/posts/${post.id}/schedule`],
      ['DELETE', `/api/posts/${post.id}/schedule`],
      ['POST', `/api/posts/${post.id}/publish-now`],
      ['POST', `/api/posts/${post.id}/retry`],
    ] as const) {
      const res = await api.app.inject({ method, url, headers: alice.headers, payload: method === 'POST' && url.endsWith('schedule') ? { scheduled_at: inMinutes(5) } : undefined });
      expect(res.statusCode, url).toBe(404);
    }
    expect((await deliveriesOf(post.id))[0]!.status).toBe('pending');
  });

  it('unschedule cancels the deliveries and removes their job from Redis', async () => {
    const { post } = await alice.post(['facebook_page', 'facebook_group']);
    await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: inMinutes(5) } });
    const scheduled = await deliveriesOf(post.id);
    const res = await api.app.inject({ method: 'DELETE', url: `/api/posts/${post.id}/schedule`, headers: alice.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: post.id, scheduled_at: null, canceled_deliveries: 2, cancel_requested_deliveries: 0 });
    for (const d of await deliveriesOf(post.id)) expect(d.status).toBe('canceled');
    for (const d of scheduled) expect(await jobFor(d)).toBeUndefined();
    const [row] = await api.db.db.select().from(schema.posts).where(eq(schema.posts.id, post.id));
    expect(row!.status).toBe('canceled');
  });

  it('unschedule while a delivery is being published asks its worker to cancel it unless it posts', async () => {
    const { post, deliveries } = await alice.post(['facebook_page'], { status: 'processing' });
    const res = await api.app.inject({ method: 'DELETE', url: `/api/posts/${post.id}/schedule`, headers: alice.headers });
    expect(res.statusCode).toBe(200);
    // Not counted as canceled: the attempt under way may still post it (the cancel-races drill saw one).
    expect(res.json()).toMatchObject({ canceled_deliveries: 0, cancel_requested_deliveries: 1 });
    const [row] = await deliveriesOf(post.id);
    expect(row!.status).toBe('processing');
    expect(row!.cancelRequestedAt).toBeInstanceOf(Date);
    expect(deliveries[0]!.id).toBe(row!.id);
  });

  it('refuses a leap second or a date without a time with a 400 naming scheduled_at, never a 500', async () => {
    const { post } = await alice.post();
    for (const scheduled_at of ['2030-01-01T23:59:60Z', '2030-01-01', '2030-02-30T10:00:00Z']) {
      const res = await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at } });
      expect(res.statusCode, scheduled_at).toBe(400);
      expect(res.json().error).toContain('scheduled_at');
    }
  });
});

describe('publish-now and retry', () => {
  it('publish-now turns a scheduled post into an immediate job', async () => {
    const { post } = await alice.post();
    await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: inMinutes(10) } });
    const res = await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/publish-now`, headers: alice.headers });
    expect(res.statusCode).toBe(202);
    const [d] = await deliveriesOf(post.id);
    expect(d!.status).toBe('queued');
    expect(res.json()).toMatchObject({ success: true, job_id: d!.postingJobId });
    const job = await jobFor(d!);
    expect(await job!.getState()).toBe('waiting');
  });

  it('publish-now answers 409 when nothing is left to publish', async () => {
    const { post } = await alice.post(['facebook_page'], { status: 'posted' });
    const res = await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/publish-now`, headers: alice.headers });
    expect(res.statusCode).toBe(409);
  });

  it('retry re-queues only the failed delivery, with a fresh attempt budget', async () => {
    const { post, deliveries } = await alice.post(['facebook_page', 'instagram']);
    const [failed, posted] = deliveries;
    await api.db.db.update(schema.deliveries).set({ status: 'failed', attemptCount: 5 }).where(eq(schema.deliveries.id, failed!.id));
    await api.db.db.update(schema.deliveries).set({ status: 'posted' }).where(eq(schema.deliveries.id, posted!.id));
    const res = await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/retry`, headers: alice.headers });
    expect(res.statusCode).toBe(202);
    const rows = await deliveriesOf(post.id);
    const retried = rows.find((d) => d.id === failed!.id)!;
    expect(retried.status).toBe('queued');
    expect(retried.attemptsBeforeRun).toBe(5);
    expect(await jobFor(retried)).toBeDefined();
    expect(rows.find((d) => d.id === posted!.id)!.status).toBe('posted');
  });

  it('retry-failed takes every failed delivery of the caller, and 400 when there is none', async () => {
    const fresh = await createTestApi();
    try {
      const carol = await userWithAccounts(fresh);
      const none = await fresh.app.inject({ method: 'POST', url: '/api/posts/retry-failed', headers: carol.headers, payload: {} });
      expect(none.statusCode).toBe(400);
      expect(none.json()).toEqual({ error: 'No failed deliveries to retry', code: 'no_failed_deliveries' });
      // No body at all reads as {}: the same answer, not a complaint about the body.
      const withoutBody = await fresh.app.inject({ method: 'POST', url: '/api/posts/retry-failed', headers: carol.headers });
      expect(withoutBody.json()).toEqual(none.json());
      const { post } = await carol.post(['facebook_page'], { status: 'failed' });
      const res = await fresh.app.inject({ method: 'POST', url: '/api/posts/retry-failed', headers: carol.headers });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ success: true, job_id: expect.any(String) });
      const [d] = await fresh.db.db.select().from(schema.deliveries).where(eq(schema.deliveries.postId, post.id));
      expect(d!.status).toBe('queued');
    } finally {
      await fresh.close();
    }
  });
});

describe('deleting an account', () => {
  it('cancels its waiting deliveries, removes their jobs and closes their posting job', async () => {
    const carol = await userWithAccounts(api);
    const { post } = await carol.post(['facebook_page']);
    const started = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: carol.headers, payload: { post_ids: [post.id] } });
    const jobId = started.json().job_id;
    const [queued] = await deliveriesOf(post.id);
    const res = await api.app.inject({ method: 'DELETE', url: `/api/accounts/${carol.accounts.facebook_page}`, headers: carol.headers });
    expect(res.statusCode).toBe(204);
    const [canceled] = await deliveriesOf(post.id);
    expect(canceled!.status).toBe('canceled');
    expect(await jobFor(queued!)).toBeUndefined();
    const job = await api.app.inject({ url: `/api/jobs/${jobId}`, headers: carol.headers });
    expect(job.json()).toMatchObject({ status: 'completed', total_posts: 0 });
    const events = await readEvents(api.redis.client, api.config.redis.prefix, { afterId: '0', count: 10_000 });
    expect(events.some((e) => e.job_id === jobId && e.type === 'job.progress' && e.data.final === true)).toBe(true);
  });

  it("answers 409 while one of its deliveries is being published, and 404 for another user's account", async () => {
    const dave = await userWithAccounts(api);
    await dave.post(['instagram'], { status: 'processing' });
    const busy = await api.app.inject({ method: 'DELETE', url: `/api/accounts/${dave.accounts.instagram}`, headers: dave.headers });
    expect(busy.statusCode).toBe(409);
    const other = await api.app.inject({ method: 'DELETE', url: `/api/accounts/${dave.accounts.facebook_page}`, headers: alice.headers });
    expect(other.statusCode).toBe(404);
  });
});
