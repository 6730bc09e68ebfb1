import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@autoposter/db';
import { insertAccount, insertPost, insertPostingJob } from '@autoposter/testing';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { encodeCursor } from '../posts/cursor.ts';

describe('posting jobs', () => {
  let api: TestApi;
  let owner: { token: string; id: string };
  let stranger: { token: string; id: string };
  let jobId: string;
  let postId: string;

  const get = (url: string, token: string | null) =>
    api.app.inject({ method: 'GET', url, headers: token ? api.auth(token) : {} });

  const insertJobs = (userId: string, jobs: Omit<typeof schema.postingJobs.$inferInsert, 'userId' | 'trigger'>[]) =>
    api.db.db
      .insert(schema.postingJobs)
      .values(jobs.map((job) => ({ userId, trigger: 'start_posting', ...job })))
      .returning();

  beforeAll(async () => {
    api = await createTestApi();
    const [a, b] = [await api.register(), await api.register()];
    owner = { token: a.token, id: a.user.id };
    stranger = { token: b.token, id: b.user.id };
    const account = await insertAccount(api.db.db, api.config.secrets, owner.id, 'facebook_page');
    const { post, deliveries } = await insertPost(api.db.db, owner.id, [
      { channel: 'facebook_page', accountId: account.id },
      { channel: 'facebook_page', accountId: account.id, targetId: 'second-page' },
    ]);
    postId = post.id;
    const job = await insertPostingJob(api.db.db, owner.id, deliveries);
    jobId = job.id;
  });
  afterAll(() => api.close());

  describe('GET /api/jobs/:job_id', () => {
    it("shows the owner's job with its progress", async () => {
      const res = await get(`/api/jobs/${jobId}`, owner.token);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        job_id: jobId,
        status: 'queued',
        total_posts: 1,
        completed_posts: 0,
        failed_posts: 0,
        current_post_id: null,
        current_post_title: null,
        started_at: null,
        completed_at: null,
        progress_percentage: 0,
      });
    });

    it('reflects a running job with finished posts', async () => {
      const startedAt = new Date('2020-01-01T00:01:00Z');
      const [running] = await insertJobs(owner.id, [
        {
          createdAt: new Date('2020-01-01T00:00:00Z'),
          status: 'running',
          totalPosts: 4,
          completedPosts: 2,
          failedPosts: 1,
          currentPostId: postId,
          currentPostTitle: 'Test post',
          startedAt,
        },
      ]);
      const res = await get(`/api/jobs/${running!.id}`, owner.token);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        job_id: running!.id,
        status: 'running',
        total_posts: 4,
        completed_posts: 2,
        failed_posts: 1,
        current_post_id: postId,
        current_post_title: 'Test post',
        started_at: startedAt.toISOString(),
        completed_at: null,
        progress_percentage: 75,
      });
    });

    it("answers 404 for another user's job and for an unknown id", async () => {
      expect((await get(`/api/jobs/${jobId}`, stranger.token)).statusCode).toBe(404);
      const unknown = await get(`/api/jobs/${crypto.randomUUID()}`, owner.token);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ code: 'not_found' });
    });

    it('answers 400 naming the field for an id that is not a UUID', async () => {
      const res = await get('/api/jobs/not-a-uuid', owner.token);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toContain('params.job_id');
    });

    it('answers 401 without a token or with a bad one', async () => {
      expect((await get(`/api/jobs/${jobId}`, null)).statusCode).toBe(401);
      expect((await get(`/api/jobs/${jobId}`, 'not.a.jwt')).statusCode).toBe(401);
      expect((await get('/api/jobs', null)).statusCode).toBe(401);
    });
  });

  describe('GET /api/jobs', () => {
    let listed: { user: { token: string; id: string }; newestFirst: string[]; completed: string[] };

    beforeAll(async () => {
      const user = await api.register();
      const sameInstant = new Date('2025-06-01T12:00:00.000Z');
      const rows = await insertJobs(user.user.id, [
        { createdAt: new Date('2025-06-01T10:00:00.000Z'), status: 'completed' },
        { createdAt: sameInstant },
        { createdAt: sameInstant, status: 'completed' },
        { createdAt: new Date('2025-06-01T12:00:00.001Z'), status: 'failed' },
        { createdAt: new Date('2025-06-02T08:00:00.000Z') },
      ]);
      const sorted = [...rows].sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y.id > x.id ? 1 : -1));
      listed = {
        user: { token: user.token, id: user.user.id },
        newestFirst: sorted.map((r) => r.id),
        completed: sorted.filter((r) => r.status === 'completed').map((r) => r.id),
      };
    });

    const pageThrough = async (query: string, token: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const res = await get(`/api/jobs?${query}${cursor ? `&cursor=${cursor}` : ''}`, token);
        expect(res.statusCode).toBe(200);
        const body = res.json();
        ids.push(...body.items.map((job: { job_id: string }) => job.job_id));
        cursor = body.next_cursor;
        if (!cursor) break;
      }
      return ids;
    };

    it('lists newest first, one page at a time, without gaps or repeats', async () => {
      expect(await pageThrough('limit=2', listed.user.token)).toEqual(listed.newestFirst);
      expect(await pageThrough('limit=100', listed.user.token)).toEqual(listed.newestFirst);
    });

    it('defaults to 20 per page and ends with a null cursor', async () => {
      const res = await get('/api/jobs', listed.user.token);
      expect(res.json().items).toHaveLength(5);
      expect(res.json().next_cursor).toBeNull();
      const many = await api.register();
      await insertJobs(many.user.id, Array.from({ length: 21 }, () => ({})));
      const first = (await get('/api/jobs', many.token)).json();
      expect(first.items).toHaveLength(20);
      expect(first.next_cursor).toEqual(expect.any(String));
    });

    it('lists each job as GET /api/jobs/:job_id shows it', async () => {
      const [item] = (await get('/api/jobs?limit=1', owner.token)).json().items;
      expect(item).toEqual((await get(`/api/jobs/${item.job_id}`, owner.token)).json());
      expect(Object.keys(item).sort()).toEqual(
        ['job_id', 'status', 'total_posts', 'completed_posts', 'failed_posts', 'current_post_id', 'current_post_title', 'started_at', 'completed_at', 'progress_percentage'].sort(),
      );
    });

    it('filters by status across pages', async () => {
      expect(await pageThrough('status=completed&limit=1', listed.user.token)).toEqual(listed.completed);
    });

    it("never lists another user's jobs", async () => {
      const ids = await pageThrough('limit=100', stranger.token);
      expect(ids).toEqual([]);
      const ownerIds = await pageThrough('limit=100', owner.token);
      expect(ownerIds).toContain(jobId);
      expect(ownerIds.some((id) => listed.newestFirst.includes(id))).toBe(false);
    });

    it.each([
      ['status=done', 'querystring.status'],
      ['limit=0', 'querystring.limit'],
      ['limit=101', 'querystring.limit'],
      ['limit=ten', 'querystring.limit'],
      ['cursor=%25%25%25', 'querystring.cursor'],
      [`cursor=${Buffer.from('{"a":1}').toString('base64url')}`, 'querystring.cursor'],
      [`cursor=${Buffer.from(JSON.stringify(['yesterday', crypto.randomUUID()])).toString('base64url')}`, 'querystring.cursor'],
      [`cursor=${encodeCursor({ createdAt: new Date().toISOString().replace('Z', '000Z'), id: crypto.randomUUID() }).slice(0, -3)}`, 'querystring.cursor'],
    ])('answers 400 for %s', async (query, field) => {
      const res = await get(`/api/jobs?${query}`, listed.user.token);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation_error' });
      expect(res.json().error).toContain(field);
    });
  });
});
