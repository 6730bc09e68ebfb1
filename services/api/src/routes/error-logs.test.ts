import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema, type ErrorType } from '@autoposter/db';
import { insertAccount, insertPost } from '@autoposter/testing';
import { createTestApi, type TestApi } from '../test/test-app.ts';

interface ErrorLog {
  id: string;
  post: string;
  error_type: string;
  created_at: string;
}

describe('GET /api/error-logs', () => {
  let api: TestApi;
  let owner: { token: string; id: string };
  let stranger: { token: string; id: string };
  let first: { postId: string; deliveryId: string };
  let second: { postId: string; deliveryId: string };
  let artifactId: string;
  let strangerAttemptId: string;

  const get = (query: string, token: string | null) =>
    api.app.inject({ method: 'GET', url: `/api/error-logs${query}`, headers: token ? api.auth(token) : {} });

  async function postWithDelivery(userId: string, title: string | null) {
    const account = await insertAccount(api.db.db, api.config.secrets, userId, 'facebook_browser');
    const { post, deliveries } = await insertPost(
      api.db.db,
      userId,
      [{ channel: 'facebook_group', accountId: account.id, targetId: 'group-1' }],
      { title, body: 'A body long enough to stand in for a missing title' },
    );
    return { postId: post.id, deliveryId: deliveries[0]!.id };
  }

  async function insertAttempt(
    userId: string,
    deliveryId: string,
    attemptNo: number,
    at: string,
    errorType: ErrorType | null,
    extra: Partial<typeof schema.deliveryAttempts.$inferInsert> = {},
  ) {
    const [row] = await api.db.db
      .insert(schema.deliveryAttempts)
      .values({
        deliveryId,
        userId,
        attemptNo,
        startedAt: new Date(Date.parse(at) - 5_000),
        finishedAt: new Date(at),
        outcome: errorType ? 'failed' : 'posted',
        errorType,
        errorMessage: errorType ? `${errorType} happened` : null,
        ...extra,
      })
      .returning();
    return row!;
  }

  beforeAll(async () => {
    api = await createTestApi();
    const [a, b] = [await api.register(), await api.register()];
    owner = { token: a.token, id: a.user.id };
    stranger = { token: b.token, id: b.user.id };
    first = await postWithDelivery(owner.id, 'Bike for sale');
    second = await postWithDelivery(owner.id, null);
    const [artifact] = await api.db.db
      .insert(schema.artifacts)
      .values({ userId: owner.id, deliveryId: first.deliveryId, mime: 'image/png', data: Buffer.from('x') })
      .returning();
    artifactId = artifact!.id;
    await insertAttempt(owner.id, first.deliveryId, 1, '2026-02-01T10:00:00.000Z', 'network_error', {
      stackTrace: 'Error: socket hang up\n    at request',
      screenshotArtifactId: artifactId,
    });
    await insertAttempt(owner.id, first.deliveryId, 2, '2026-02-01T10:10:00.000Z', 'captcha');
    await insertAttempt(owner.id, first.deliveryId, 3, '2026-02-01T10:20:00.000Z', null);
    await insertAttempt(owner.id, second.deliveryId, 1, '2026-02-01T10:05:00.000Z', 'network_error');
    // Still running when it recorded its error: dated by its start.
    await insertAttempt(owner.id, second.deliveryId, 2, '2026-02-01T10:30:00.000Z', 'unknown', { finishedAt: null });
    const strangers = await postWithDelivery(stranger.id, 'Not yours');
    strangerAttemptId = (await insertAttempt(stranger.id, strangers.deliveryId, 1, '2026-02-01T11:00:00.000Z', 'captcha')).id;
  });
  afterAll(() => api.close());

  it('lists the failed attempts newest first with their post and delivery', async () => {
    const res = await get('', owner.token);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.count).toBe(4);
    expect(body.error_logs.map((e: ErrorLog) => e.error_type)).toEqual(['unknown', 'captcha', 'network_error', 'network_error']);
    expect(body.error_logs.map((e: ErrorLog) => e.created_at)).toEqual([
      '2026-02-01T10:29:55.000Z',
      '2026-02-01T10:10:00.000Z',
      '2026-02-01T10:05:00.000Z',
      '2026-02-01T10:00:00.000Z',
    ]);
  });

  it('fills each entry from the attempt, its delivery and its post', async () => {
    const { error_logs: logs } = (await get(`?post_id=${first.postId}&error_type=network_error`, owner.token)).json();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toEqual({
      id: expect.any(String),
      post: first.postId,
      post_title: 'Bike for sale',
      delivery_id: first.deliveryId,
      channel: 'facebook_group',
      error_type: 'network_error',
      error_message: 'network_error happened',
      stack_trace: 'Error: socket hang up\n    at request',
      screenshot: `/api/artifacts/${artifactId}`,
      page_html: null,
      created_at: '2026-02-01T10:00:00.000Z',
    });
    const { error_logs: untitled } = (await get(`?post_id=${second.postId}`, owner.token)).json();
    expect(untitled[0]).toMatchObject({ post_title: 'A body long enough to stand in for a missing title', screenshot: null });
  });

  it('filters by post and by error type', async () => {
    const byPost = (await get(`?post_id=${second.postId}`, owner.token)).json();
    expect(byPost.count).toBe(2);
    expect(byPost.error_logs.every((e: ErrorLog) => e.post === second.postId)).toBe(true);
    const byType = (await get('?error_type=network_error', owner.token)).json();
    expect(byType.error_logs.map((e: ErrorLog) => e.post).sort()).toEqual([first.postId, second.postId].sort());
  });

  it('honours the limit and counts what it returns', async () => {
    const body = (await get('?limit=1', owner.token)).json();
    expect(body).toMatchObject({ count: 1, error_logs: [{ error_type: 'unknown', post: second.postId }] });
  });

  it("shows nobody else's errors", async () => {
    const mine = (await get('', stranger.token)).json();
    expect(mine.error_logs.map((e: ErrorLog) => e.id)).toEqual([strangerAttemptId]);
    const theirs = (await get(`?post_id=${first.postId}`, stranger.token)).json();
    expect(theirs).toEqual({ count: 0, error_logs: [] });
  });

  it.each([
    ['?error_type=boom', 'querystring.error_type'],
    ['?post_id=42', 'querystring.post_id'],
    ['?limit=0', 'querystring.limit'],
    ['?limit=501', 'querystring.limit'],
  ])('answers 400 for %s', async (query, field) => {
    const res = await get(query, owner.token);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain(field);
  });

  it('answers 401 without a valid token', async () => {
    expect((await get('', null)).statusCode).toBe(401);
    expect((await get('', 'Bearer nonsense')).statusCode).toBe(401);
  });
});
