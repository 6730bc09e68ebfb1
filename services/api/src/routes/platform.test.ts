import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { REAL_PROVIDERS } from '@autoposter/config';
import { platformInfo } from './platform.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ GRAPH_API_BASE_URL: 'http://127.0.0.1:4100', FACEBOOK_BASE_URL: 'http://127.0.0.1:3300/' });
});
afterAll(() => api.close());

describe('GET /api/platform', () => {
  it('answers without a token which providers are used, and sandbox while any is not the real one', async () => {
    const res = await api.app.inject({ url: '/api/platform' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      sandbox: true,
      providers: { graph_api: 'http://127.0.0.1:4100', instagram_graph_api: api.config.graph.instagramBaseUrl, facebook: 'http://127.0.0.1:3300' },
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
  });

  it('is not a sandbox exactly when all three are the real providers', () => {
    expect(platformInfo({ ...REAL_PROVIDERS }).sandbox).toBe(false);
    for (const name of Object.keys(REAL_PROVIDERS) as (keyof typeof REAL_PROVIDERS)[]) {
      expect(platformInfo({ ...REAL_PROVIDERS, [name]: 'http://127.0.0.1:1' }).sandbox).toBe(true);
    }
  });
});
