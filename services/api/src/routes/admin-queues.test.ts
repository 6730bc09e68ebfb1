import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '@autoposter/testing';
import { SESSION_COOKIE } from '../plugins/auth.ts';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { inContractShape } from './admin-queues.ts';

describe('Bull Board at /admin/queues', () => {
  let api: TestApi;
  let adminToken: string;
  let userToken: string;
  beforeAll(async () => {
    api = await createTestApi();
    const admin = await insertUser(api.db.db, { role: 'admin' });
    const user = await insertUser(api.db.db);
    adminToken = api.app.signToken(admin);
    userToken = api.app.signToken(user);
  });
  afterAll(() => api.close());

  it('is never served without auth, page, assets or API alike', async () => {
    for (const url of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues', '/admin/queues/static/js/main.js']) {
      const res = await api.app.inject({ url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().code, res.body).toBe('unauthorized');
    }
  });

  it("refuses a user who is not an admin (header or cookie), a forged token, and the board's actions without auth", async () => {
    const user = await api.app.inject({ url: '/admin/queues', headers: api.auth(userToken) });
    expect(user.statusCode).toBe(401);
    const userCookie = await api.app.inject({ url: '/admin/queues/api/queues', cookies: { [SESSION_COOKIE]: userToken } });
    expect(userCookie.statusCode).toBe(401);
    const action = await api.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/meta/retry/failed' });
    expect(action.statusCode).toBe(401);
    const forged = await api.app.inject({ url: '/admin/queues', headers: api.auth(`${adminToken}x`) });
    expect(forged.statusCode).toBe(401);
  });

  it('serves the board and its API to an admin, by header or by session cookie', async () => {
    const page = await api.app.inject({ url: '/admin/queues', headers: api.auth(adminToken) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const queues = await api.app.inject({ url: '/admin/queues/api/queues', cookies: { [SESSION_COOKIE]: adminToken } });
    expect(queues.statusCode).toBe(200);
    const names = (queues.json().queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(['dispatch', 'marketplace', 'meta', 'webhooks']);
  });

  it("answers the board's own errors in the contract's {error, code} shape", async () => {
    const admin = { cookies: { [SESSION_COOKIE]: adminToken } };
    const noQueue = await api.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/nope/pause', ...admin });
    expect(noQueue.statusCode).toBe(404);
    expect(noQueue.json()).toEqual({ error: 'Queue not found', code: 'queue_not_found' });
    const noJob = await api.app.inject({ url: '/admin/queues/api/queues/meta/no-such-job', ...admin });
    expect(noJob.statusCode).toBe(404);
    expect(noJob.json()).toEqual({ error: 'Job not found', code: 'job_not_found' });
    // Thrown inside the board, answered by its own error handler.
    const badJson = await api.app.inject({
      method: 'PUT',
      url: '/admin/queues/api/queues/meta/concurrency',
      headers: { 'content-type': 'application/json' },
      payload: '{"concurrency":',
      ...admin,
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toEqual({ error: expect.stringContaining('JSON'), code: 'bad_request' });
  });

  it("hides the message of a board's 5xx from the client and logs it", () => {
    const failure = JSON.stringify({ error: { key: 'ERRORS.INTERNAL_SERVER_ERROR' }, message: 'connect ECONNREFUSED 10.0.0.7:6379' });
    expect(JSON.parse(inContractShape(failure, 500, api.app.log) as string)).toEqual({ error: 'The queue board failed to answer; it was logged.', code: 'internal_error' });
    expect(api.logs.find((line) => line.includes('Bull Board failed'))).toContain('ECONNREFUSED');
  });
});
