import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '@autoposter/queue';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { userWithAccounts } from '../test/posting-fixtures.ts';
import { eventually, startWorkers, type RunningWorkers } from '../test/running-worker.ts';

/** The posting engine end to end: gateway -> Postgres -> BullMQ -> real workers -> fake provider over HTTP. */
let api: TestApi;
let running: RunningWorkers;
let alice: Awaited<ReturnType<typeof userWithAccounts>>;

beforeAll(async () => {
  api = await createTestApi({ RETRY_MAX_ATTEMPTS: '3' });
  running = await startWorkers(api);
  alice = await userWithAccounts(api);
});
afterAll(async () => {
  await running.close();
  await api.close();
});

const getPost = async (id: string) => (await api.app.inject({ url: `/api/posts/${id}`, headers: alice.headers })).json();

describe('a start-posting run', () => {
  it('publishes 20 posts once each, with ordered progress events ending in final, and the job agrees', async () => {
    const posts = [];
    for (let i = 0; i < 20; i++) posts.push((await alice.post(['facebook_page'])).post.id);
    const res = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: alice.headers, payload: { post_ids: posts } });
    expect(res.statusCode).toBe(202);
    const jobId = res.json().job_id as string;

    const progress = await eventually('the final progress event', async () => {
      const events = (await readEvents(api.redis.client, api.config.redis.prefix, { afterId: '0', count: 10_000 })).filter(
        (e) => e.type === 'job.progress' && e.job_id === jobId,
      );
      return events.some((e) => e.data.final) ? events : undefined;
    });

    const done = progress.map((e) => (e.data.completed_posts as number) + (e.data.failed_posts as number));
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress.filter((e) => e.data.final)).toHaveLength(1);
    const last = progress.at(-1)!;
    expect(last.data).toMatchObject({ final: true, status: 'completed', total_posts: 20, completed_posts: 20, failed_posts: 0, progress_percentage: 100 });
    expect(progress.every((e) => e.user_id === alice.user.id)).toBe(true);

    const job = await api.app.inject({ url: `/api/jobs/${jobId}`, headers: alice.headers });
    expect({ ...job.json(), final: true }).toEqual(last.data);

    for (const id of posts) {
      const post = await getPost(id);
      expect(post.status).toBe('published');
      expect(running.provider.publications(post.deliveries[0].id)).toHaveLength(1);
    }
  });
});

describe('failures', () => {
  it('a permanent failure fails at once with its type, message and screenshot; retry re-posts only the failed target', async () => {
    const { post } = await alice.post(['facebook_page', 'instagram']);
    running.provider.script({ kind: 'fail', type: 'permission_denied', message: 'The page token lacks pages_manage_posts', screenshot: true });
    await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: alice.headers, payload: { post_ids: [post.id] } });
    const partial = await eventually('the post to settle', async () => {
      const p = await getPost(post.id);
      return ['partial', 'failed', 'published'].includes(p.status) ? p : undefined;
    });
    expect(partial.status).toBe('partial');
    const failed = partial.deliveries.find((d: { status: string }) => d.status === 'failed');
    const posted = partial.deliveries.find((d: { status: string }) => d.status === 'posted');
    expect(failed).toMatchObject({ attempt_count: 1, last_error_type: 'permission_denied', last_error_message: 'The page token lacks pages_manage_posts' });

    const delivery = (await api.app.inject({ url: `/api/deliveries/${failed.id}`, headers: alice.headers })).json();
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ outcome: 'failed', error_type: 'permission_denied' });
    const screenshot = await api.app.inject({ url: delivery.attempts[0].screenshot_url, headers: alice.headers });
    expect(screenshot.statusCode).toBe(200);
    expect(screenshot.headers['content-type']).toContain('image/png');
    const errors = (await api.app.inject({ url: `/api/error-logs?post_id=${post.id}`, headers: alice.headers })).json();
    expect(errors.error_logs[0]).toMatchObject({ delivery_id: failed.id, error_type: 'permission_denied', post_title: 'Test post' });
    expect(errors.error_logs[0].stack_trace).toBeTruthy();

    const retry = await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/retry`, headers: alice.headers });
    expect(retry.statusCode).toBe(202);
    await eventually('the retried post to be published', async () => (await getPost(post.id)).status === 'published');
    expect(running.provider.publications(failed.id)).toHaveLength(1);
    expect(running.provider.publications(posted.id)).toHaveLength(1);
  });

  it('a temporary failure retries with backoff and then posts', async () => {
    const { post } = await alice.post(['facebook_page']);
    running.provider.script({ kind: 'fail', type: 'provider_unavailable', message: 'Service temporarily unavailable' });
    await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/publish-now`, headers: alice.headers });
    const done = await eventually('the post to be published', async () => {
      const p = await getPost(post.id);
      return p.status === 'published' ? p : undefined;
    });
    expect(done.deliveries[0].attempt_count).toBe(2);
    const logs = (await api.app.inject({ url: `/api/deliveries/${done.deliveries[0].id}/logs?level=ERROR`, headers: alice.headers })).json();
    expect(logs.logs.length).toBeGreaterThan(0);
  });
});

describe('canceling and rescheduling', () => {
  const soon = (ms: number) => new Date(Date.now() + ms).toISOString();

  it('a canceled schedule never publishes, even though its job was already waiting in Redis', async () => {
    const { post, deliveries } = await alice.post(['facebook_page']);
    await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: soon(800) } });
    const cancel = await api.app.inject({ method: 'DELETE', url: `/api/posts/${post.id}/schedule`, headers: alice.headers });
    expect(cancel.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(running.provider.publications(deliveries[0]!.id)).toHaveLength(0);
    expect((await getPost(post.id)).status).toBe('canceled');
  });

  it('a deleted post never publishes', async () => {
    const { post, deliveries } = await alice.post(['marketplace']);
    await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: soon(800) } });
    const deleted = await api.app.inject({ method: 'DELETE', url: `/api/posts/${post.id}`, headers: alice.headers });
    expect(deleted.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(running.provider.publications(deliveries[0]!.id)).toHaveLength(0);
  });

  it('a rescheduled post publishes at the new time, not the old one', async () => {
    const { post, deliveries } = await alice.post(['facebook_page']);
    await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: soon(600) } });
    const later = soon(2_500);
    await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/schedule`, headers: alice.headers, payload: { scheduled_at: later } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(running.provider.publications(deliveries[0]!.id)).toHaveLength(0);
    const published = await eventually('the rescheduled post', async () => {
      const delivery = (await getPost(post.id)).deliveries[0];
      return delivery.status === 'posted' ? delivery : undefined;
    });
    expect(running.provider.publications(deliveries[0]!.id)).toHaveLength(1);
    expect(Date.parse(published.posted_at)).toBeGreaterThanOrEqual(Date.parse(later));
  });
});
