import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { userWithAccounts } from '../test/posting-fixtures.ts';

// What every route that takes an id or a body does with input at the edges of the contract:
// "ids that are not UUIDs: 400, never 500", "missing/invalid/expired token: 401".
let api: TestApi;
let alice: Awaited<ReturnType<typeof userWithAccounts>>;

beforeAll(async () => {
  api = await createTestApi();
  alice = await userWithAccounts(api);
});
afterAll(() => api.close());

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
/** A POST of Alice's with this raw text as its JSON body. */
const postJson = (url: string, payload: string) =>
  api.app.inject({ method: 'POST', url, headers: { ...alice.headers, 'content-type': 'application/json' }, payload });

/** Each route with an id, called with that id. */
const routesWithAnId = (id: string) =>
  [
    { method: 'GET', url: `/api/jobs/${id}` },
    { method: 'GET', url: `/api/deliveries/${id}` },
    { method: 'GET', url: `/api/deliveries/${id}/logs` },
    { method: 'GET', url: `/api/artifacts/${id}` },
    { method: 'GET', url: `/api/error-logs?post_id=${id}` },
    { method: 'GET', url: `/api/posts/${id}` },
    { method: 'GET', url: `/api/accounts/${id}` },
    { method: 'GET', url: `/api/media/${id}` },
    { method: 'POST', url: `/api/posts/${id}/schedule`, payload: { scheduled_at: inAnHour() } },
    { method: 'DELETE', url: `/api/posts/${id}/schedule` },
    { method: 'POST', url: `/api/posts/${id}/publish-now` },
    { method: 'POST', url: `/api/posts/${id}/retry` },
    { method: 'POST', url: '/api/posts/start-posting', payload: { post_ids: [id] } },
    { method: 'POST', url: '/api/posts/retry-failed', payload: { post_ids: [id] } },
  ] as const;

describe('ids at the edge of the UUID syntax', () => {
  // ajv-formats' uuid takes a urn:uuid: prefix that Postgres refuses: this was a 500.
  it.each(routesWithAnId(`urn:uuid:${randomUUID()}`).map((route) => [`${route.method} ${route.url.split('?')[0]}`, route]))(
    'a urn:uuid: id is a 400 naming it: %s',
    async (_, route) => {
      const res = await api.app.inject({ ...route, headers: alice.headers });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/must be a UUID/);
    },
  );

  it('36 characters that are not a UUID are named as such in start-posting', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: alice.headers, payload: { post_ids: ['-'.repeat(36)] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('post_ids[0] must be a UUID');
  });
});

describe('a request without a token', () => {
  // Authentication comes first: without a token, the answer is 401 whatever is wrong with the input.
  it.each(routesWithAnId('nope').map((route) => [`${route.method} ${route.url.split('?')[0]}`, route]))(
    'is a 401 even with an invalid id: %s',
    async (_, route) => {
      const res = await api.app.inject(route);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('unauthorized');
    },
  );

  it('is a 401 even with a malformed body, a NUL character or a bad query', async () => {
    const json = { 'content-type': 'application/json' };
    const answers = await Promise.all([
      api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: json, payload: '{"post_ids": [' }),
      api.app.inject({ method: 'POST', url: '/api/posts/retry-failed', headers: json, payload: '{"post_ids": "x\\u0000"}' }),
      api.app.inject({ method: 'GET', url: '/api/jobs?limit=0' }),
      api.app.inject({ method: 'GET', url: '/api/error-logs?error_type=nonsense' }),
    ]);
    expect(answers.map((res) => res.statusCode)).toEqual([401, 401, 401, 401]);
  });
});

describe('empty values and bodies', () => {
  it('reads empty query values as not given', async () => {
    for (const url of [
      '/api/error-logs?post_id=&error_type=&limit=',
      '/api/jobs?status=&limit=&cursor=',
      '/api/jobs?limit=5&limit=&status=&status=',
      '/api/posts?status=&channel=&account_id=&limit=&cursor=',
      `/api/deliveries/${(await alice.post()).deliveries[0]!.id}/logs?level=&download=`,
    ]) {
      const res = await api.app.inject({ method: 'GET', url, headers: alice.headers });
      expect(res.statusCode, url).toBe(200);
    }
  });

  it('reads a JSON content type without a body as no body: publish-now answers 202', async () => {
    const { post } = await alice.post();
    const res = await postJson(`/api/posts/${post.id}/publish-now`, '');
    expect(res.statusCode).toBe(202);
    expect(res.json().job_id).toEqual(expect.any(String));
  });

  it('reads no body as {} for retry-failed, but refuses a JSON null', async () => {
    const res = await postJson('/api/posts/retry-failed', 'null');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/body/);
  });

  it('still refuses a missing body where one is needed, with a 400 naming it', async () => {
    const res = await postJson('/api/posts', ' ');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/body/);
  });

  it('still refuses malformed JSON and prototype poisoning', async () => {
    const malformed = await postJson('/api/posts/start-posting', '{"post_ids": [');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({ error: 'The request body is not valid JSON', code: 'invalid_body' });
    for (const payload of ['{"post_ids": [], "__proto__": {"x": 1}}', '{"post_ids": [], "constructor": {"prototype": {"x": 1}}}']) {
      const poisoned = await postJson('/api/posts/start-posting', payload);
      expect(poisoned.json(), payload).toEqual({ error: 'The request body is not valid JSON', code: 'invalid_body' });
    }
  });
});
