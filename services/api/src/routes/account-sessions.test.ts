import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson } from '@autoposter/crypto';
import { startFakeGraph, type StartedFakeGraph } from '@autoposter/fake-graph';
import { insertAccount } from '@autoposter/testing';
import { readEvents } from '@autoposter/queue';
import { createTestApi, type TestApi } from '../test/test-app.ts';

describe('Meta accounts checked against the Graph API', () => {
  let graph: StartedFakeGraph;
  let api: TestApi;
  let alice: { token: string; user: { id: string } };

  beforeAll(async () => {
    graph = await startFakeGraph();
    api = await createTestApi({ GRAPH_API_BASE_URL: graph.url, INSTAGRAM_GRAPH_BASE_URL: graph.instagramUrl, GRAPH_API_VERSION: 'v28.0' });
    alice = await api.register();
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  const create = (payload: Record<string, unknown>) =>
    api.app.inject({ method: 'POST', url: '/api/accounts', headers: api.auth(alice.token), payload: { name: 'Shop', ...payload } });
  const validate = (id: string) => api.app.inject({ method: 'POST', url: `/api/accounts/${id}/validate-session`, headers: api.auth(alice.token) });

  describe('at connect time (POST /api/accounts)', () => {
    it('accepts the Page token of that Page, marking the session valid', async () => {
      const page = graph.newPage();
      const res = await create({ kind: 'facebook_page', credentials: { page_id: page.pageId, access_token: page.pageToken } });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ session_valid: true, health_status: 'healthy' });
      expect(res.body).not.toContain(page.pageToken);
      expect(graph.control.store.calls.at(-1)).toMatchObject({ path: '/me', version: 'v28.0' });
    });

    it('refuses a user token given for a Page, saying so', async () => {
      const page = graph.newPage();
      const res = await create({ kind: 'facebook_page', credentials: { page_id: page.pageId, access_token: graph.newUserToken() } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_credentials', error: expect.stringContaining('This is a user access token') });
      expect(res.json().error).toContain(`Page access token of Page ${page.pageId}`);
    });

    it("refuses another Page's token, naming both Pages", async () => {
      const page = graph.newPage();
      const other = graph.newPage();
      const res = await create({ kind: 'facebook_page', credentials: { page_id: page.pageId, access_token: other.pageToken } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(new RegExp(`another Page .*${other.pageId}.*not Page ${page.pageId}`));
    });

    it('refuses an expired token with what to do', async () => {
      const res = await create({ kind: 'facebook_page', credentials: { page_id: '1000000001', access_token: 'EAAFAKEEXPIREDTOKEN1000000001' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/^The token is expired or was revoked: \(#190\/463\) .*Generate a new access token/);
    });

    it('accepts an Instagram account readable with its Page token, and refuses one that is not', async () => {
      const page = graph.newPage({ instagram: true });
      const ok = await create({ kind: 'instagram_business', credentials: { ig_user_id: page.igUserId, access_token: page.pageToken } });
      expect(ok.statusCode, ok.body).toBe(201);
      const stranger = graph.newPage();
      const refused = await create({ kind: 'instagram_business', credentials: { ig_user_id: page.igUserId, access_token: stranger.pageToken } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toContain(`The Instagram account ${page.igUserId} cannot be read with this token`);
    });

    it('takes login: instagram for Instagram Login tokens (graph.instagram.com) and stores it', async () => {
      const ig = graph.newInstagramLogin();
      const res = await create({ kind: 'instagram_business', credentials: { ig_user_id: ig.igUserId, access_token: ig.token, login: 'instagram' } });
      expect(res.statusCode, res.body).toBe(201);
      const row = await api.db.pool.query('select credentials_encrypted from accounts where id = $1', [res.json().id]);
      expect(decryptJson(api.config.secrets, row.rows[0].credentials_encrypted)).toEqual({ ig_user_id: ig.igUserId, access_token: ig.token, login: 'instagram' });
      const wrongHost = await create({ kind: 'instagram_business', credentials: { ig_user_id: ig.igUserId, access_token: ig.token } });
      expect(wrongHost.statusCode).toBe(400);
      const badLogin = await create({ kind: 'instagram_business', credentials: { ig_user_id: ig.igUserId, access_token: ig.token, login: 'tiktok' } });
      expect(badLogin.json()).toMatchObject({ error: 'body.credentials.login must be one of: facebook, instagram' });
    });

    it('refuses a session update with a wrong token and keeps the old one', async () => {
      const page = graph.newPage();
      const created = (await create({ kind: 'facebook_page', credentials: { page_id: page.pageId, access_token: page.pageToken } })).json();
      const res = await api.app.inject({ method: 'PUT', url: `/api/accounts/${created.id}/session`, headers: api.auth(alice.token), payload: { access_token: graph.newUserToken() } });
      expect(res.statusCode).toBe(400);
      const row = await api.db.pool.query('select credentials_encrypted from accounts where id = $1', [created.id]);
      expect(decryptJson(api.config.secrets, row.rows[0].credentials_encrypted)).toMatchObject({ access_token: page.pageToken });
    });
  });

  describe('POST /api/accounts/:id/validate-session', () => {
    it('checks the token now, records it for the health check and pushes account.health when it changes', async () => {
      const page = graph.newPage();
      const { id } = (await create({ kind: 'facebook_page', credentials: { page_id: page.pageId, access_token: page.pageToken } })).json();
      const valid = await validate(id);
      expect(valid.json()).toEqual({ valid: true, session_age_days: 0, message: `The token is a Page token of Page ${page.pageId}`, action_required: null });

      graph.control.store.tokens.get(page.pageToken)!.revoked = true;
      const invalid = await validate(id);
      expect(invalid.statusCode).toBe(200);
      expect(invalid.json()).toMatchObject({ valid: false, session_age_days: 0, message: expect.stringContaining('(#190/460)'), action_required: expect.stringContaining('PUT /api/accounts/:id/session') });
      const health = (await api.app.inject({ url: '/api/accounts/health-check', headers: api.auth(alice.token) })).json();
      expect(health.accounts.find((a: { account_id: string }) => a.account_id === id)).toMatchObject({ session_valid: false, health_status: 'error' });
      const events = await readEvents(api.redis.client, api.redis.prefix, { afterId: '0', count: 1000 });
      expect(events.filter((e) => e.type === 'account.health' && e.data.account_id === id)).toEqual([
        expect.objectContaining({ user_id: alice.user.id, data: expect.objectContaining({ health_status: 'error', session_valid: false }) }),
      ]);
      expect(invalid.body + api.logs.join('\n')).not.toContain(page.pageToken);
    });

    // Browser accounts are checked by the marketplace worker: validate-session.test.ts.
    it("404s another user's account", async () => {
      const browser = await insertAccount(api.db.db, api.config.secrets, alice.user.id, 'facebook_browser', { sessionValid: false, sessionMessage: 'logged out' });
      const bob = await api.register();
      const res = await api.app.inject({ method: 'POST', url: `/api/accounts/${browser.id}/validate-session`, headers: api.auth(bob.token) });
      expect(res.statusCode).toBe(404);
    });
  });

  it('saves an account whose check could not be made (Graph unreachable), flagged as a warning', async () => {
    const offline = await createTestApi({ GRAPH_API_BASE_URL: 'http://127.0.0.1:1', GRAPH_API_TIMEOUT: '2s' });
    try {
      const user = await offline.register();
      const res = await offline.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: offline.auth(user.token),
        payload: { kind: 'facebook_page', name: 'Later', credentials: { page_id: '42', access_token: 'EAAB-unchecked-token' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ session_valid: null, health_status: 'warning' });
    } finally {
      await offline.close();
    }
  });
});
