import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeFacebook, type FakeFacebook } from '@autoposter/fake-facebook';
import { createFacebookBrowserPublisher, testBrowserSettings, type FacebookBrowserPublisher } from '@autoposter/facebook-browser';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection, readEvents } from '@autoposter/queue';
import { createSessionCheckWorker, type SessionCheckWorker } from '@autoposter/worker-runtime';
import { createTestApi, type TestApi } from '../test/test-app.ts';

// Real Chromium on a shared 2-core machine: a flow can take far longer than the suite's default.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

describe('POST /api/accounts/:id/validate-session (facebook_browser)', () => {
  let api: TestApi;
  let fake: FakeFacebook;
  let publisher: FacebookBrowserPublisher;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    [api, fake] = await Promise.all([createTestApi({ SESSION_CHECK_TIMEOUT: '30s' }), startFakeFacebook()]);
    publisher = createFacebookBrowserPublisher(testBrowserSettings({ baseUrl: fake.url, elementTimeoutMs: 3_000 }));
    ({ token, user: { id: userId } } = await api.register());
  });
  afterAll(async () => {
    await publisher?.close();
    await fake?.close();
    await api?.close();
  });

  async function startChecker(): Promise<{ checker: SessionCheckWorker; close(): Promise<void> }> {
    const connection = createRedisConnection(api.redis.url, 'worker');
    const checker = await createSessionCheckWorker({
      publisher,
      kinds: ['facebook_browser'],
      db: api.db.db,
      connection,
      prefix: api.redis.prefix,
      keyring: api.config.secrets,
      logger: createLogger({ service: 'session-check-test', level: 'silent' }),
      checkTimeoutMs: 30_000,
      sweep: { intervalMs: 0, gapMs: 0 },
    });
    return {
      checker,
      async close() {
        await checker.close();
        connection.disconnect();
      },
    };
  }

  async function browserAccount(locale: 'en_US' | 'es_LA' = 'en_US') {
    const fakeAccount = fake.state.addAccount({ locale });
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/accounts',
      headers: api.auth(token),
      payload: { kind: 'facebook_browser', name: 'Seller', credentials: { cookies: fake.exportCookies(fakeAccount) } },
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, fakeAccount };
  }

  const validate = (id: string, body?: object) =>
    api.app.inject({ method: 'POST', url: `/api/accounts/${id}/validate-session`, headers: api.auth(token), ...(body ? { payload: body } : {}) });

  it('answers 504 with a message when no worker answers in time', async () => {
    const { id } = await browserAccount();
    const started = Date.now();
    const res = await validate(id);
    expect(res.statusCode).toBe(504);
    expect(res.json()).toMatchObject({ code: 'session_check_timeout', error: expect.stringMatching(/No marketplace worker answered .* within 30 s/) });
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  describe('with a worker', () => {
    let running: Awaited<ReturnType<typeof startChecker>>;
    beforeAll(async () => {
      running = await startChecker();
    });
    afterAll(() => running?.close());

    it('says a logged-in session is valid, and with the marketplace flow that every field is there', async () => {
      const { id } = await browserAccount('es_LA');
      const plain = await validate(id);
      expect(plain.statusCode).toBe(200);
      expect(plain.json()).toEqual({ valid: true, session_age_days: 0, message: expect.any(String), action_required: null });
      const flow = await validate(id, { flow: 'marketplace' });
      expect(flow.json()).toMatchObject({ valid: true, action_required: null, flow_check: { ok: true, missing: [] } });
      const account = await api.app.inject({ url: `/api/accounts/${id}`, headers: api.auth(token) });
      expect(account.json()).toMatchObject({ session_valid: true, health_status: 'healthy' });
    });

    it('names the fields the create-listing form lacks', async () => {
      const { id, fakeAccount } = await browserAccount();
      fake.state.script(fakeAccount.userId, { kind: 'renamed_field', field: 'price', label: 'Cost' });
      const res = await validate(id, { flow: 'marketplace' });
      expect(res.json()).toMatchObject({ valid: true, flow_check: { ok: false, missing: ['MarketplaceForm.price'] }, action_required: expect.stringContaining('MarketplaceForm.price') });
    });

    it('says an expired session and a checkpoint are invalid, marks the account error and pushes account.health', async () => {
      const { id, fakeAccount } = await browserAccount();
      fake.state.script(fakeAccount.userId, { kind: 'session_expired' });
      const expired = await validate(id);
      expect(expired.json()).toMatchObject({ valid: false, message: expect.stringMatching(/login/), action_required: expect.stringContaining(`/api/accounts/${id}/session`) });
      const account = await api.app.inject({ url: `/api/accounts/${id}`, headers: api.auth(token) });
      expect(account.json()).toMatchObject({ session_valid: false, health_status: 'error' });
      const events = (await readEvents(api.redis.client, api.redis.prefix, { afterId: '0', count: 1000 })).filter((e) => e.user_id === userId && e.type === 'account.health');
      expect(events.at(-1)!.data).toMatchObject({ account_id: id, health_status: 'error', session_valid: false });

      fake.state.clearFaults(fakeAccount.userId);
      fake.state.script(fakeAccount.userId, { kind: 'checkpoint' });
      const checkpoint = await validate(id);
      expect(checkpoint.json()).toMatchObject({ valid: false, action_required: expect.stringContaining('security check') });
    });

    it('answers 404 for another user, 400 for a bad flow', async () => {
      const { id } = await browserAccount();
      const other = await api.register();
      const res = await api.app.inject({ method: 'POST', url: `/api/accounts/${id}/validate-session`, headers: api.auth(other.token) });
      expect(res.statusCode).toBe(404);
      expect((await validate(id, { flow: 'groups' })).statusCode).toBe(400);
    });
  });
});
