import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAccount, insertPost } from '@autoposter/testing';
import { createTestApi, type TestApi } from '../test/test-app.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const daysAgo = (days: number, extraMs = 0) => new Date(Date.now() - days * DAY_MS - extraMs);

describe('GET /api/accounts/health-check', () => {
  let api: TestApi;
  let owner: { token: string; id: string };
  const ids: Record<string, string> = {};

  const check = (token: string | null) =>
    api.app.inject({ method: 'GET', url: '/api/accounts/health-check', headers: token ? api.auth(token) : {} });

  beforeAll(async () => {
    api = await createTestApi();
    const a = await api.register();
    owner = { token: a.token, id: a.user.id };
    const add = async (label: string, overrides: Parameters<typeof insertAccount>[4] = {}) => {
      ids[label] = (await insertAccount(api.db.db, api.config.secrets, owner.id, 'facebook_browser', { name: label, ...overrides })).id;
    };
    await add('busy', { email: 'seller@example.test', sessionValid: true });
    await add('almost-stale', { sessionUpdatedAt: daysAgo(30, -60_000) });
    await add('stale', { sessionUpdatedAt: daysAgo(30, 1_000) });
    await add('flaky-check', { sessionCheckTemporaryFailure: true });
    await add('invalid', { sessionValid: false });
    await add('no-session', { credentialsEncrypted: '' });
    await add('deleted', { sessionValid: false, deletedAt: new Date() });

    const target = (status: 'posted' | 'failed' | 'pending') => ({ channel: 'marketplace' as const, accountId: ids.busy!, status });
    await insertPost(api.db.db, owner.id, [target('posted'), target('posted'), target('failed')]);
    await insertPost(api.db.db, owner.id, [target('pending')]);
  });
  afterAll(() => api.close());

  it('reports each live account with its session and delivery counts', async () => {
    const res = await check(owner.token);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const byName = Object.fromEntries(body.accounts.map((acc: { name: string }) => [acc.name, acc]));
    expect(Object.keys(byName)).toEqual(['busy', 'almost-stale', 'stale', 'flaky-check', 'invalid', 'no-session']);
    expect(byName.busy).toEqual({
      account_id: ids.busy,
      name: 'busy',
      email: 'seller@example.test',
      kind: 'facebook_browser',
      session_exists: true,
      session_valid: true,
      session_age_days: 0,
      total_posts: 4,
      posted_count: 2,
      failed_count: 1,
      health_status: 'healthy',
    });
    expect(byName['almost-stale']).toMatchObject({ session_age_days: 29, health_status: 'healthy', total_posts: 0 });
    expect(byName.stale).toMatchObject({ session_age_days: 30, health_status: 'warning' });
    expect(byName['flaky-check']).toMatchObject({ session_valid: null, health_status: 'warning' });
    expect(byName.invalid).toMatchObject({ session_valid: false, health_status: 'error' });
    expect(byName['no-session']).toMatchObject({ session_exists: false, session_age_days: null, health_status: 'error' });
  });

  it('summarises and takes the worst status as the overall one', async () => {
    const body = (await check(owner.token)).json();
    expect(body.summary).toEqual({ total_accounts: 6, healthy: 2, warning: 2, error: 2 });
    expect(body.overall_health).toBe('error');
  });

  it("is healthy with no accounts and never shows another user's", async () => {
    const other = await api.register();
    expect((await check(other.token)).json()).toEqual({
      overall_health: 'healthy',
      summary: { total_accounts: 0, healthy: 0, warning: 0, error: 0 },
      accounts: [],
    });
    await insertAccount(api.db.db, api.config.secrets, other.user.id, 'facebook_page', { sessionUpdatedAt: daysAgo(45) });
    const body = (await check(other.token)).json();
    expect(body.overall_health).toBe('warning');
    expect(body.accounts).toHaveLength(1);
    expect(body.accounts[0].account_id).not.toBe(ids.busy);
  });

  it('never returns credentials', async () => {
    const res = await check(owner.token);
    expect(res.body).not.toContain('secret-cookie-value');
    expect(res.body).not.toContain('credentials');
  });

  it('answers 401 without a valid token', async () => {
    expect((await check(null)).statusCode).toBe(401);
    expect((await check('nope')).statusCode).toBe(401);
  });
});
