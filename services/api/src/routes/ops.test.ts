import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../test/test-app.ts';

describe('operations endpoints', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  it('answers /healthz', async () => {
    const res = await api.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });

  it('reports Postgres and Redis on /readyz', async () => {
    const res = await api.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('exposes Prometheus metrics with HTTP latency', async () => {
    await api.app.inject({ url: '/healthz' });
    const res = await api.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('http_request_duration_seconds_bucket');
  });

  it('publishes OpenAPI at /docs/json', async () => {
    const res = await api.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    expect(res.json().openapi).toMatch(/^3\./);
  });

  it('answers an unknown route with the contract error body', async () => {
    const res = await api.app.inject({ url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found' });
  });
});
