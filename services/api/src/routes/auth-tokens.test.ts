import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@autoposter/db';
import { createLogger } from '@autoposter/logger';
import { multipartForm, samplePng } from '@autoposter/media/test-samples';
import { createRedisConnection, deliveryJobId } from '@autoposter/queue';
import { buildApp } from '../app.ts';
import { SESSION_COOKIE } from '../plugins/auth.ts';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { userWithAccounts } from '../test/posting-fixtures.ts';

// "A token is only as good as its user" (the contract, issue 16).
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi({ LOG_LEVEL: 'warn', ADMIN_EMAILS: 'boss@example.test' });
});
afterAll(() => api.close());

const get = (url: string, token: string) => api.app.inject({ url, headers: api.auth(token) });
const createPost = (token: string, accountId: string) =>
  api.app.inject({
    method: 'POST',
    url: '/api/posts',
    headers: api.auth(token),
    payload: { body: 'Hi', targets: [{ channel: 'facebook_page', account_id: accountId }] },
  });
const board = (token: string) => api.app.inject({ url: '/admin/queues/api/queues', cookies: { [SESSION_COOKIE]: token } });

describe('what a token carries', () => {
  it('is validated like any input: a sub that is no UUID, null or a number is a 401, never a 500', async () => {
    const sign = createSigner({ key: api.config.auth.jwtSecret, expiresIn: 60_000 });
    for (const sub of ['not-a-uuid', null, 12, undefined]) {
      const token = sign({ sub });
      for (const res of [await get('/api/posts', token), await get('/api/auth/me', token), await createPost(token, crypto.randomUUID())]) {
        expect(res.statusCode, `${String(sub)} ${res.body}`).toBe(401);
        expect(res.json().code).toBe('unauthorized');
      }
    }
  });
});

/** What a user's deliveries leave behind (an attempt with its screenshot and page HTML, a log line) and a webhook that was called. */
async function seedHistory(userId: string, deliveryId: string) {
  const query = (text: string, values: unknown[]) => api.db.pool.query(text, values).then((result) => result.rows[0]);
  const screenshot = await query(`insert into artifacts (user_id, delivery_id, mime, data) values ($1, $2, 'image/png', $3) returning id`, [userId, deliveryId, samplePng()]);
  const page = await query(`insert into artifacts (user_id, delivery_id, kind, mime, data) values ($1, $2, 'page_html', 'text/html', $3) returning id`, [userId, deliveryId, Buffer.from('<html></html>')]);
  await query(
    `insert into delivery_attempts (delivery_id, user_id, attempt_no, outcome, screenshot_artifact_id, page_html_artifact_id) values ($1, $2, 1, 'failed', $3, $4)`,
    [deliveryId, userId, screenshot.id, page.id],
  );
  await query(`insert into delivery_logs (delivery_id, attempt_no, level, message) values ($1, 1, 'ERROR', 'it failed')`, [deliveryId]);
  const webhook = await query(`insert into webhooks (user_id, url, events, secret_encrypted) values ($1, 'https://hooks.example.test/x', '{delivery.failed}', 'v1:x') returning id`, [userId]);
  await query(`insert into webhook_calls (webhook_id, event_id, event_type, attempt, status_code, duration_ms) values ($1, 'e1', 'delivery.failed', 1, 200, 5)`, [webhook.id]);
}

/** How many rows of each kind a user owns, each table reached by its own owner column. */
async function ownedRows(userId: string): Promise<Record<string, number>> {
  const counts: Record<string, string> = {
    users: 'select count(*) from users where id = $1',
    ...Object.fromEntries(
      ['accounts', 'media', 'posts', 'deliveries', 'posting_jobs', 'delivery_attempts', 'artifacts', 'idempotency_keys', 'webhooks'].map((table) => [
        table,
        `select count(*) from ${table} where user_id = $1`,
      ]),
    ),
    // Tables without a user column: by what they hang on, which may already be gone.
    posting_job_posts: 'select count(*) from posting_job_posts where job_id in (select id from posting_jobs where user_id = $1) or job_id not in (select id from posting_jobs)',
    delivery_logs: 'select count(*) from delivery_logs where delivery_id not in (select id from deliveries) or delivery_id in (select id from deliveries where user_id = $1)',
    webhook_calls: 'select count(*) from webhook_calls where webhook_id not in (select id from webhooks) or webhook_id in (select id from webhooks where user_id = $1)',
  };
  const entries = await Promise.all(Object.entries(counts).map(async ([table, sql]) => [table, Number((await api.db.pool.query(sql, [userId])).rows[0].count)] as const));
  return Object.fromEntries(entries);
}

describe('DELETE /api/auth/me', () => {
  /** A user with an account per channel, an uploaded PNG (and so its JPEG rendition), a published post with its history, a post made with an Idempotency-Key. */
  async function userWithEverything() {
    const user = await userWithAccounts(api);
    const form = multipartForm({ data: samplePng() });
    const media = await api.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.headers, ...form.headers }, payload: form.payload });
    expect(media.statusCode, media.body).toBe(201);
    const { post } = await user.post();
    expect((await api.app.inject({ method: 'POST', url: `/api/posts/${post.id}/publish-now`, headers: user.headers })).statusCode).toBe(202);
    const [delivery] = await api.db.db.select().from(schema.deliveries).where(eq(schema.deliveries.postId, post.id));
    await seedHistory(user.user.id, delivery!.id);
    const keyed = await api.app.inject({
      method: 'POST',
      url: '/api/posts',
      headers: { ...user.headers, 'idempotency-key': `key-${user.user.id}` },
      payload: { body: 'Once', targets: [{ channel: 'facebook_page', account_id: user.accounts.facebook_page }] },
    });
    expect(keyed.statusCode, keyed.body).toBe(201);
    return { ...user, post, delivery: delivery! };
  }

  it('cancels queued deliveries, removes their jobs, deletes every row and file the user owns, and ends their tokens', async () => {
    const alice = await userWithEverything();
    const bob = await userWithEverything();
    const jobId = deliveryJobId(alice.delivery.id, alice.delivery.run);
    expect(await api.app.engine.queues.meta.getJob(jobId)).toBeDefined();
    const aliceBefore = await ownedRows(alice.user.id);
    for (const [table, count] of Object.entries(aliceBefore)) expect(count, table).toBeGreaterThan(0);
    const bobBefore = await ownedRows(bob.user.id);
    const storedFiles = async (userId: string) => (await readdir(join(api.config.media.dir, userId)).catch(() => [])).sort();
    expect((await storedFiles(alice.user.id)).filter((name) => name.endsWith('.rendition.jpg'))).toHaveLength(1);
    const bobFiles = await storedFiles(bob.user.id);
    expect(bobFiles).toHaveLength(2);

    const res = await api.app.inject({ method: 'DELETE', url: '/api/auth/me', headers: alice.headers });
    expect(res.statusCode, res.body).toBe(204);

    expect(await api.app.engine.queues.meta.getJob(jobId)).toBeUndefined();
    expect(await ownedRows(alice.user.id)).toEqual(Object.fromEntries(Object.keys(aliceBefore).map((table) => [table, 0])));
    expect(existsSync(join(api.config.media.dir, alice.user.id))).toBe(false);
    for (const response of [await get('/api/posts', alice.token), await get('/api/auth/me', alice.token), await createPost(alice.token, alice.accounts.facebook_page)]) {
      expect(response.statusCode, response.body).toBe(401);
    }
    // Bob's rows and files are all still there.
    expect(await ownedRows(bob.user.id)).toEqual(bobBefore);
    expect(await storedFiles(bob.user.id)).toEqual(bobFiles);
    expect((await get(`/api/posts/${bob.post.id}`, bob.token)).statusCode).toBe(200);
  });

  it('is refused with 409 while one of the user\'s posts is being published, changing nothing', async () => {
    const carol = await userWithAccounts(api);
    const { post } = await carol.post(['facebook_page'], { status: 'processing' });
    const res = await api.app.inject({ method: 'DELETE', url: '/api/auth/me', headers: carol.headers });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().code).toBe('delivery_processing');
    expect((await get(`/api/posts/${post.id}`, carol.token)).statusCode).toBe(200);
  });

  it("ends a deleted admin's access to Bull Board", async () => {
    const admin = await api.register('boss@example.test');
    expect((await board(admin.token)).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'DELETE', url: '/api/auth/me', headers: api.auth(admin.token) })).statusCode).toBe(204);
    expect((await board(admin.token)).statusCode).toBe(401);
  });
});

describe('ADMIN_EMAILS', () => {
  it('is read on every request: an email taken off the list loses the admin role', async () => {
    const boss = await api.register('boss@example.test');
    expect(boss.user.role).toBe('admin');
    const producer = createRedisConnection(api.redis.url, 'producer');
    const config = { ...api.config, auth: { ...api.config.auth, adminEmails: new Set<string>() } };
    const restarted = await buildApp({ config, database: api.db, redis: producer, logger: createLogger({ service: 'api', level: 'silent' }) });
    try {
      const me = await restarted.inject({ url: '/api/auth/me', headers: api.auth(boss.token) });
      expect(me.json().role).toBe('user');
      expect((await restarted.inject({ url: '/admin/queues/api/queues', cookies: { [SESSION_COOKIE]: boss.token } })).statusCode).toBe(401);
    } finally {
      await restarted.close();
      producer.disconnect();
    }
  });
});

describe('POST /api/auth/logout-all', () => {
  it('ends every token issued before, and a new login works', async () => {
    const { token, user } = await api.register(undefined, 'the old password');
    const other = (await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: 'the old password' } })).json().token;
    const res = await api.app.inject({ method: 'POST', url: '/api/auth/logout-all', headers: api.auth(token) });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await get('/api/auth/me', token)).statusCode).toBe(401);
    expect((await get('/api/auth/me', other)).statusCode).toBe(401);
    const again = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: 'the old password' } });
    expect((await get('/api/auth/me', again.json().token)).statusCode).toBe(200);
  });
});

describe('PUT /api/auth/password', () => {
  it('needs the current password, revokes the other tokens and answers a fresh one', async () => {
    const { token, user } = await api.register(undefined, 'the old password');
    const change = (current: string, next: unknown) =>
      api.app.inject({ method: 'PUT', url: '/api/auth/password', headers: api.auth(token), payload: { current_password: current, new_password: next } });
    const wrong = await change('not the password', 'a brand new password');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ code: 'wrong_password', error: 'current_password is incorrect' });
    expect((await change('the old password', 'short')).json()).toMatchObject({ code: 'validation_error', error: expect.stringContaining('body.new_password') });
    expect((await get('/api/auth/me', token)).statusCode).toBe(200);

    const res = await change('the old password', 'a brand new password');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ user: { id: user.id, email: user.email, role: 'user' }, token: expect.any(String) });
    expect((await get('/api/auth/me', token)).statusCode).toBe(401);
    expect((await get('/api/auth/me', res.json().token)).statusCode).toBe(200);
    const login = (password: string) => api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password } });
    expect((await login('the old password')).statusCode).toBe(401);
    expect((await login('a brand new password')).statusCode).toBe(200);
  });
});
