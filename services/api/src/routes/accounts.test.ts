import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson } from '@autoposter/crypto';
import { schema, type DeliveryStatus } from '@autoposter/db';
import { startFakeGraph, type StartedFakeGraph } from '@autoposter/fake-graph';
import { insertAccount, insertPost } from '@autoposter/testing';
import { createTestApi, type TestApi } from '../test/test-app.ts';

const pageCredentials = { page_id: '1001', access_token: 'EAAB-page-token-secret' };
const igCredentials = { ig_user_id: '2002', access_token: 'EAAB-ig-token-secret' };
const storageState = {
  cookies: [
    { name: 'c_user', value: '100012345678901', domain: '.facebook.com', path: '/' },
    { name: 'xs', value: 'cookie-secret-xs', domain: '.facebook.com', path: '/' },
  ],
  origins: [],
};
const defaultLimits = { daily_cap: 20, min_gap_seconds: 120, posting_hours: null, timezone: 'UTC' };
/** Browser accounts' own defaults: DEFAULT_BROWSER_DAILY_CAP and DEFAULT_BROWSER_MIN_GAP_SECONDS. */
const browserDefaultLimits = { ...defaultLimits, daily_cap: 10, min_gap_seconds: 600 };
const unknownId = '00000000-0000-4000-8000-000000000000';

describe('accounts', () => {
  let api: TestApi;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string; user: { id: string } };

  let graph: StartedFakeGraph;

  beforeAll(async () => {
    // Meta tokens are checked at connect time: these are the fake Graph API's.
    graph = await startFakeGraph({
      seed: {
        pages: [{ id: '1001', name: 'Shop Page', token: pageCredentials.access_token, instagram: { id: '2002', username: 'shop' } }],
        tokens: ['EAAB-ig-token-secret', 'EAAB-new-token', 'EAAB-hijack'].map((token) => ({ token, kind: 'page' as const, subject_id: '1001' })),
      },
    });
    api = await createTestApi({ GRAPH_API_BASE_URL: graph.url, INSTAGRAM_GRAPH_BASE_URL: graph.instagramUrl });
    alice = await api.register();
    bob = await api.register();
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  const request = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    api.app.inject({ method, url, headers: api.auth(token), ...(payload !== undefined && { payload: payload as object }) });

  async function createAccount(token: string, payload: Record<string, unknown>) {
    const res = await request(token, 'POST', '/api/accounts', payload);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  const storedRow = async (id: string) => {
    const [row] = await api.db.db.select().from(schema.accounts).where(eq(schema.accounts.id, id));
    return row!;
  };

  describe('POST /api/accounts', () => {
    it.each([
      ['facebook_page', pageCredentials],
      ['instagram_business', igCredentials],
      ['facebook_browser', { storage_state: storageState }],
      ['facebook_browser', { cookies: storageState.cookies }],
    ])('creates a %s account, encrypting its credentials and never returning them', async (kind, credentials) => {
      const res = await request(alice.token, 'POST', '/api/accounts', { kind, name: 'Shop', email: 'shop@example.test', credentials });
      expect(res.statusCode).toBe(201);
      const account = res.json();
      expect(account).toEqual({
        id: expect.any(String),
        kind,
        name: 'Shop',
        email: 'shop@example.test',
        session_exists: true,
        session_updated_at: expect.any(String),
        session_valid: kind === 'facebook_browser' ? null : true,
        health_status: 'healthy',
        limits: kind === 'facebook_browser' ? browserDefaultLimits : defaultLimits,
        cooldown_until: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const row = await storedRow(account.id);
      for (const secret of [JSON.stringify(credentials), 'token-secret', 'cookie-secret']) {
        expect(res.body).not.toContain(secret);
        expect(row.credentialsEncrypted).not.toContain(secret);
      }
      expect(decryptJson(api.config.secrets, row.credentialsEncrypted)).toEqual(credentials);
    });

    it('stores pacing overrides and returns them over the defaults', async () => {
      const account = await createAccount(alice.token, {
        kind: 'facebook_page',
        name: 'Paced',
        credentials: pageCredentials,
        limits: { daily_cap: 5, posting_hours: { from: '08:00', to: '21:30' }, timezone: 'Europe/Paris' },
      });
      expect(account.limits).toEqual({ daily_cap: 5, min_gap_seconds: 120, posting_hours: { from: '08:00', to: '21:30' }, timezone: 'Europe/Paris' });
      expect((await storedRow(account.id)).limits).toEqual({
        daily_cap: 5,
        posting_hours: { from: '08:00', to: '21:30' },
        timezone: 'Europe/Paris',
      });
    });

    it.each([
      ['an unknown kind', { kind: 'myspace', name: 'x', credentials: pageCredentials }, 'body.kind'],
      ['a missing name', { kind: 'facebook_page', credentials: pageCredentials }, 'body.name'],
      ['a name that is not a string', { kind: 'facebook_page', name: { first: 'x' }, credentials: pageCredentials }, 'body.name'],
      ['missing credentials', { kind: 'facebook_page', name: 'x' }, 'body.credentials'],
      ['credentials that are not an object', { kind: 'facebook_page', name: 'x', credentials: 'token' }, 'body.credentials'],
      ['a malformed email', { kind: 'facebook_page', name: 'x', email: 'nope', credentials: pageCredentials }, 'body.email'],
      ['an unknown field', { kind: 'facebook_page', name: 'x', credentials: pageCredentials, owner: 'y' }, 'body.owner'],
      ['a page without access_token', { kind: 'facebook_page', name: 'x', credentials: { page_id: '1' } }, 'body.credentials.access_token'],
      ['a page without page_id', { kind: 'facebook_page', name: 'x', credentials: { access_token: 'a' } }, 'body.credentials.page_id'],
      ['a numeric page_id', { kind: 'facebook_page', name: 'x', credentials: { page_id: 1, access_token: 'a' } }, 'body.credentials.page_id'],
      ['instagram without ig_user_id', { kind: 'instagram_business', name: 'x', credentials: pageCredentials }, 'body.credentials.page_id'],
      ['a browser account with a token', { kind: 'facebook_browser', name: 'x', credentials: { access_token: 'a' } }, 'body.credentials.access_token'],
      ['a browser account without session', { kind: 'facebook_browser', name: 'x', credentials: {} }, 'body.credentials.storage_state'],
      ['an empty cookie list', { kind: 'facebook_browser', name: 'x', credentials: { cookies: [] } }, 'body.credentials.cookies'],
      ['a cookie without a name', { kind: 'facebook_browser', name: 'x', credentials: { cookies: [{ value: 'v' }] } }, 'body.credentials.cookies[0].name'],
      ['a storage state that is a string', { kind: 'facebook_browser', name: 'x', credentials: { storage_state: '{}' } }, 'body.credentials.storage_state'],
      ['a storage state without cookies', { kind: 'facebook_browser', name: 'x', credentials: { storage_state: { origins: [] } } }, 'body.credentials.storage_state.cookies'],
      ['cookies without xs', { kind: 'facebook_browser', name: 'x', credentials: { cookies: [{ name: 'c_user', value: '1000123' }] } }, 'lacks the Facebook session cookie xs'],
      [
        'a storage state without c_user and xs',
        { kind: 'facebook_browser', name: 'x', credentials: { storage_state: { cookies: [{ name: 'datr', value: 'd' }], origins: [] } } },
        'body.credentials.storage_state.cookies lacks the Facebook session cookies c_user and xs',
      ],
      [
        'session cookies of another site',
        { kind: 'facebook_browser', name: 'x', credentials: { cookies: [{ name: 'c_user', value: '1', domain: '.example.com' }, { name: 'xs', value: 'x', domain: '.example.com' }] } },
        'c_user and xs',
      ],
      ['a daily cap of 0', { kind: 'facebook_page', name: 'x', credentials: pageCredentials, limits: { daily_cap: 0 } }, 'body.limits.daily_cap'],
      ['a fractional daily cap', { kind: 'facebook_page', name: 'x', credentials: pageCredentials, limits: { daily_cap: 1.5 } }, 'body.limits.daily_cap'],
      ['a daily cap as a string', { kind: 'facebook_page', name: 'x', credentials: pageCredentials, limits: { daily_cap: '5' } }, 'body.limits.daily_cap'],
      ['a negative gap', { kind: 'facebook_page', name: 'x', credentials: pageCredentials, limits: { min_gap_seconds: -1 } }, 'body.limits.min_gap_seconds'],
      ['an hour of 25:00', { kind: 'facebook_page', name: 'x', credentials: pageCredentials, limits: { posting_hours: { from: '25:00', to: '21:00' } } }, 'body.limits.posting_hours'],
      ['an empty posting window', { kind: 'facebook_page', name: 'x', credentials: pageCredentials, limits: { posting_hours: { from: '09:00', to: '09:00' } } }, 'body.limits.posting_hours'],
      ['an unknown time zone', { kind: 'facebook_page', name: 'x', credentials: pageCredentials, limits: { timezone: 'Mars/Olympus' } }, 'body.limits.timezone'],
      ['an unknown limit', { kind: 'facebook_page', name: 'x', credentials: pageCredentials, limits: { weekly_cap: 3 } }, 'body.limits.weekly_cap'],
    ])('answers 400 naming the field for %s', async (_case, payload, field) => {
      const res = await request(alice.token, 'POST', '/api/accounts', payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toContain(field);
      expect(res.json().code).toBe('validation_error');
      expect(res.body).not.toContain('EAAB');
    });

    it('answers 400 for malformed JSON and 401 without a valid token', async () => {
      const malformed = await api.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: { ...api.auth(alice.token), 'content-type': 'application/json' },
        payload: '{"kind": "facebook_page",',
      });
      expect(malformed.statusCode).toBe(400);
      const anonymous = await api.app.inject({ method: 'POST', url: '/api/accounts', payload: { kind: 'facebook_page' } });
      expect(anonymous.statusCode).toBe(401);
      expect((await request('bad.token.here', 'GET', '/api/accounts')).statusCode).toBe(401);
    });
  });

  describe('reading', () => {
    it("lists only the caller's live accounts", async () => {
      const mine = await createAccount(alice.token, { kind: 'facebook_page', name: 'Mine', credentials: pageCredentials });
      const theirs = await createAccount(bob.token, { kind: 'facebook_page', name: 'Theirs', credentials: pageCredentials });
      const ids = (await request(alice.token, 'GET', '/api/accounts')).json().items.map((a: { id: string }) => a.id);
      expect(ids).toContain(mine.id);
      expect(ids).not.toContain(theirs.id);
    });

    it("gets an account by id, and answers 404 for another user's or an unknown one", async () => {
      const account = await createAccount(alice.token, { kind: 'facebook_page', name: 'One', credentials: pageCredentials });
      expect((await request(alice.token, 'GET', `/api/accounts/${account.id}`)).json()).toEqual(account);
      for (const res of [
        await request(bob.token, 'GET', `/api/accounts/${account.id}`),
        await request(alice.token, 'GET', `/api/accounts/${unknownId}`),
      ]) {
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ error: 'Account not found', code: 'not_found' });
      }
    });

    it('answers 400 for an id that is not a UUID on every route', async () => {
      for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
        const res = await request(alice.token, method, '/api/accounts/not-a-uuid', method === 'PATCH' ? { name: 'x' } : undefined);
        expect(res.statusCode, method).toBe(400);
        expect(res.json().error).toContain('params.id');
      }
      const session = await request(alice.token, 'PUT', '/api/accounts/123/session', { access_token: 'x' });
      expect(session.statusCode).toBe(400);
    });

    it('reports the session health from its age and last check', async () => {
      const account = await createAccount(alice.token, { kind: 'facebook_page', name: 'Health', credentials: pageCredentials });
      const healthOf = async (changes: Partial<typeof schema.accounts.$inferInsert>) => {
        await api.db.db.update(schema.accounts).set(changes).where(eq(schema.accounts.id, account.id));
        return (await request(alice.token, 'GET', `/api/accounts/${account.id}`)).json().health_status;
      };
      expect(await healthOf({ sessionUpdatedAt: new Date(Date.now() - 29 * 86_400_000) })).toBe('healthy');
      expect(await healthOf({ sessionUpdatedAt: new Date(Date.now() - 31 * 86_400_000) })).toBe('warning');
      expect(await healthOf({ sessionUpdatedAt: new Date(), sessionCheckTemporaryFailure: true })).toBe('warning');
      expect(await healthOf({ sessionValid: false })).toBe('error');
    });
  });

  describe('PATCH /api/accounts/:id', () => {
    it('changes name and email, and merges limits key by key', async () => {
      const account = await createAccount(alice.token, {
        kind: 'facebook_page',
        name: 'Before',
        credentials: pageCredentials,
        limits: { daily_cap: 3 },
      });
      const renamed = await request(alice.token, 'PATCH', `/api/accounts/${account.id}`, { name: 'After', email: 'after@example.test' });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ name: 'After', email: 'after@example.test', limits: { daily_cap: 3 } });
      expect(Date.parse(renamed.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(account.updated_at));

      const paced = await request(alice.token, 'PATCH', `/api/accounts/${account.id}`, {
        limits: { min_gap_seconds: 600, posting_hours: { from: '22:00', to: '06:00' } },
      });
      expect(paced.json().limits).toEqual({ daily_cap: 3, min_gap_seconds: 600, posting_hours: { from: '22:00', to: '06:00' }, timezone: 'UTC' });

      const anyHour = await request(alice.token, 'PATCH', `/api/accounts/${account.id}`, { limits: { posting_hours: null }, email: null });
      expect(anyHour.json()).toMatchObject({ email: null, limits: { daily_cap: 3, min_gap_seconds: 600, posting_hours: null } });
    });

    it('answers 400 for an empty change or bad limits, and 404 for another user', async () => {
      const account = await createAccount(alice.token, { kind: 'facebook_page', name: 'P', credentials: pageCredentials });
      const empty = await request(alice.token, 'PATCH', `/api/accounts/${account.id}`, {});
      expect(empty.statusCode).toBe(400);
      const badZone = await request(alice.token, 'PATCH', `/api/accounts/${account.id}`, { limits: { timezone: 'Nowhere/Town' } });
      expect(badZone.statusCode).toBe(400);
      expect(badZone.json().error).toContain('body.limits.timezone');
      const readOnly = await request(alice.token, 'PATCH', `/api/accounts/${account.id}`, { cooldown_until: null });
      expect(readOnly.statusCode).toBe(400);
      const foreign = await request(bob.token, 'PATCH', `/api/accounts/${account.id}`, { name: 'Stolen' });
      expect(foreign.statusCode).toBe(404);
      expect((await request(alice.token, 'GET', `/api/accounts/${account.id}`)).json().name).toBe('P');
    });
  });

  describe('PUT /api/accounts/:id/session', () => {
    it('replaces a browser session and resets what was known about the old one', async () => {
      const account = await createAccount(alice.token, { kind: 'facebook_browser', name: 'B', credentials: { storage_state: storageState } });
      const staleSince = new Date(Date.now() - 40 * 86_400_000);
      await api.db.db
        .update(schema.accounts)
        .set({ sessionValid: false, sessionCheckTemporaryFailure: true, sessionUpdatedAt: staleSince })
        .where(eq(schema.accounts.id, account.id));

      const cookies = [
        { name: 'c_user', value: '100012345678901' },
        { name: 'xs', value: 'fresh-cookie-secret' },
      ];
      const res = await request(alice.token, 'PUT', `/api/accounts/${account.id}/session`, { cookies });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ session_valid: null, health_status: 'healthy' });
      expect(Date.parse(res.json().session_updated_at)).toBeGreaterThan(staleSince.getTime());
      expect(res.body).not.toContain('fresh-cookie-secret');
      const row = await storedRow(account.id);
      expect(row.sessionCheckTemporaryFailure).toBe(false);
      expect(decryptJson(api.config.secrets, row.credentialsEncrypted)).toEqual({ cookies });
    });

    it('replaces a Meta access token and keeps the page id', async () => {
      const account = await createAccount(alice.token, { kind: 'facebook_page', name: 'Page', credentials: pageCredentials });
      const res = await request(alice.token, 'PUT', `/api/accounts/${account.id}/session`, { access_token: 'EAAB-new-token' });
      expect(res.statusCode).toBe(200);
      const row = await storedRow(account.id);
      expect(decryptJson(api.config.secrets, row.credentialsEncrypted)).toEqual({ page_id: '1001', access_token: 'EAAB-new-token' });
    });

    it.each([
      ['facebook_page', { page_id: '9', access_token: 'x' }, 'body.page_id'],
      ['facebook_page', { storage_state: storageState }, 'body.storage_state'],
      ['instagram_business', {}, 'body.access_token'],
      ['facebook_browser', { access_token: 'x' }, 'body.access_token'],
      ['facebook_browser', { cookies: [] }, 'body.cookies'],
    ] as const)('answers 400 for a %s account sent %j', async (kind, payload, field) => {
      const credentials = { facebook_page: pageCredentials, instagram_business: igCredentials, facebook_browser: { storage_state: storageState } }[kind];
      const account = await createAccount(alice.token, { kind, name: 'S', credentials });
      const res = await request(alice.token, 'PUT', `/api/accounts/${account.id}/session`, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toContain(field);
      expect(decryptJson(api.config.secrets, (await storedRow(account.id)).credentialsEncrypted)).toEqual(credentials);
    });

    it("answers 404 for another user's account", async () => {
      const account = await createAccount(alice.token, { kind: 'facebook_page', name: 'Page', credentials: pageCredentials });
      const res = await request(bob.token, 'PUT', `/api/accounts/${account.id}/session`, { access_token: 'EAAB-hijack' });
      expect(res.statusCode).toBe(404);
      expect(decryptJson(api.config.secrets, (await storedRow(account.id)).credentialsEncrypted)).toEqual(pageCredentials);
    });
  });

  describe('DELETE /api/accounts/:id', () => {
    async function accountWithDeliveries(statuses: DeliveryStatus[]) {
      const account = await insertAccount(api.db.db, api.config.secrets, alice.user.id, 'facebook_page');
      const { post, deliveries } = await insertPost(
        api.db.db,
        alice.user.id,
        statuses.map((status) => ({ channel: 'facebook_page' as const, accountId: account.id, status })),
      );
      return { account, post, deliveryIds: deliveries.map((d) => d.id) };
    }

    const statusesOf = async (ids: string[]) => {
      const rows = await api.db.db.select().from(schema.deliveries);
      return ids.map((id) => rows.find((row) => row.id === id)!.status);
    };

    it('soft-deletes the account and cancels only its deliveries that have not started', async () => {
      const statuses: DeliveryStatus[] = ['pending', 'scheduled', 'queued', 'retrying', 'posted', 'failed', 'canceled'];
      const { account, deliveryIds } = await accountWithDeliveries(statuses);
      const res = await request(alice.token, 'DELETE', `/api/accounts/${account.id}`);
      expect(res.statusCode).toBe(204);
      expect(await statusesOf(deliveryIds)).toEqual(['canceled', 'canceled', 'canceled', 'canceled', 'posted', 'failed', 'canceled']);
      expect((await storedRow(account.id)).deletedAt).toBeInstanceOf(Date);

      for (const res of [
        await request(alice.token, 'GET', `/api/accounts/${account.id}`),
        await request(alice.token, 'PATCH', `/api/accounts/${account.id}`, { name: 'x' }),
        await request(alice.token, 'PUT', `/api/accounts/${account.id}/session`, { access_token: 'x' }),
        await request(alice.token, 'DELETE', `/api/accounts/${account.id}`),
      ]) {
        expect(res.statusCode).toBe(404);
      }
      const listed = (await request(alice.token, 'GET', '/api/accounts')).json().items.map((a: { id: string }) => a.id);
      expect(listed).not.toContain(account.id);
    });

    it('answers 409 and changes nothing while one of its deliveries is processing', async () => {
      const { account, deliveryIds } = await accountWithDeliveries(['processing', 'queued']);
      const res = await request(alice.token, 'DELETE', `/api/accounts/${account.id}`);
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('delivery_processing');
      expect(await statusesOf(deliveryIds)).toEqual(['processing', 'queued']);
      expect((await storedRow(account.id)).deletedAt).toBeNull();
    });

    it("answers 404 for another user's account and leaves it alone", async () => {
      const { account, deliveryIds } = await accountWithDeliveries(['pending']);
      expect((await request(bob.token, 'DELETE', `/api/accounts/${account.id}`)).statusCode).toBe(404);
      expect(await statusesOf(deliveryIds)).toEqual(['pending']);
      expect((await storedRow(account.id)).deletedAt).toBeNull();
    });
  });
});
