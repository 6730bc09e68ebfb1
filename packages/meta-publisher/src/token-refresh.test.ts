import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson, encryptJson } from '@autoposter/crypto';
import { replaceAccountSession } from '@autoposter/db/repositories/accounts';
import { startFakeGraph, type StartedFakeGraph } from '@autoposter/fake-graph';
import { GraphClient } from '@autoposter/graph-client';
import { createLogger } from '@autoposter/logger';
import { readEvents, type StoredEvent } from '@autoposter/queue';
import { createTestDatabase, createTestRedis, eventually, insertAccount, insertUser, testKeyring, type TestDatabase, type TestRedis } from '@autoposter/testing';
import { refreshInstagramLoginTokens, type TokenRefreshDeps } from './token-refresh.ts';

const DAY = 86_400_000;

describe('Instagram Login token refresh sweep', () => {
  let graph: StartedFakeGraph;
  let db: TestDatabase;
  let redis: TestRedis;
  let deps: TokenRefreshDeps;
  const keyring = testKeyring();

  beforeAll(async () => {
    [graph, db, redis] = await Promise.all([startFakeGraph(), createTestDatabase(), createTestRedis()]);
    const client = new GraphClient({ graphBaseUrl: graph.url, instagramBaseUrl: graph.instagramUrl, version: 'v27.0', timeoutMs: 2_000 });
    deps = { db: db.db, keyring, client, redis: redis.client, prefix: redis.prefix, logger: createLogger({ service: 'test', level: 'silent' }) };
  });
  afterAll(async () => {
    await graph.close();
    await redis.destroy();
    await db.destroy();
  });

  async function account(credentials: Record<string, unknown>, storedDaysAgo: number) {
    const user = await insertUser(db.db);
    return insertAccount(db.db, keyring, user.id, 'instagram_business', { credentials, sessionUpdatedAt: new Date(Date.now() - storedDaysAgo * DAY) });
  }
  const row = async (id: string) => (await db.pool.query('select * from accounts where id = $1', [id])).rows[0];

  it('refreshes old Instagram Login tokens, leaves fresh ones and Page-connected accounts alone, and marks failures', async () => {
    const login = graph.newInstagramLogin();
    const old = await account({ ig_user_id: login.igUserId, access_token: login.token, login: 'instagram' }, 10);
    const fresh = graph.newInstagramLogin();
    const recent = await account({ ig_user_id: fresh.igUserId, access_token: fresh.token, login: 'instagram' }, 1);
    const page = graph.newPage({ instagram: true });
    const connected = await account({ ig_user_id: page.igUserId, access_token: page.pageToken }, 40);
    const failing = graph.newInstagramLogin();
    graph.control.store.tokens.get(failing.token)!.revoked = true;
    const stillAlive = await account({ ig_user_id: failing.igUserId, access_token: failing.token, login: 'instagram' }, 20);
    const expiring = graph.newInstagramLogin();
    graph.control.store.tokens.get(expiring.token)!.revoked = true;
    const expired = await account({ ig_user_id: expiring.igUserId, access_token: expiring.token, login: 'instagram' }, 61);

    const result = await refreshInstagramLoginTokens(deps, { refreshAfterMs: 7 * DAY, paceMs: 5 });
    expect(result).toEqual({ refreshed: 1, failed: 2, replaced: 0 });

    const refreshedRow = await row(old.id);
    const newToken = decryptJson<{ access_token: string }>(keyring, refreshedRow.credentials_encrypted).access_token;
    expect(newToken).not.toBe(login.token);
    expect(graph.control.store.tokens.get(newToken)).toMatchObject({ kind: 'instagram_login', subjectId: login.igUserId });
    expect(refreshedRow).toMatchObject({ session_valid: true, session_check_temporary_failure: false });
    expect(Date.now() - refreshedRow.session_updated_at.getTime()).toBeLessThan(60_000);

    expect(decryptJson(keyring, (await row(recent.id)).credentials_encrypted)).toMatchObject({ access_token: fresh.token });
    expect(decryptJson(keyring, (await row(connected.id)).credentials_encrypted)).toMatchObject({ access_token: page.pageToken });

    expect(await row(stillAlive.id)).toMatchObject({ session_valid: null, session_check_temporary_failure: true, session_message: expect.stringContaining('it expires on') });
    expect(await row(expired.id)).toMatchObject({ session_valid: false, session_message: expect.stringContaining('it has expired') });

    const events = await readEvents(redis.client, redis.prefix, { afterId: '0', count: 100 });
    expect(healthEvents(events)).toEqual([
      [expired.id, 'error'],
      [stillAlive.id, 'warning'],
    ]);
    const everything = JSON.stringify(events);
    for (const token of [login.token, newToken, failing.token, expiring.token]) expect(everything).not.toContain(token);

    // The next sweep fails the same two again: their health does not change, nothing is sent.
    const last = events.at(-1)!.id;
    expect(await refreshInstagramLoginTokens(deps, { refreshAfterMs: 7 * DAY, paceMs: 5 })).toEqual({ refreshed: 0, failed: 2, replaced: 0 });
    expect(healthEvents(await readEvents(redis.client, redis.prefix, { afterId: last }))).toEqual([]);

    // Instagram takes the token again: the warning account is refreshed and back to healthy.
    graph.control.store.tokens.get(failing.token)!.revoked = false;
    expect(await refreshInstagramLoginTokens(deps, { refreshAfterMs: 7 * DAY, paceMs: 5 })).toEqual({ refreshed: 1, failed: 1, replaced: 0 });
    expect(await row(stillAlive.id)).toMatchObject({ session_valid: true, session_check_temporary_failure: false });
    expect(healthEvents(await readEvents(redis.client, redis.prefix, { afterId: last }))).toEqual([[stillAlive.id, 'healthy']]);
  });

  it('keeps a token a person replaced while the sweep was refreshing the old one', async () => {
    await db.pool.query(`update accounts set deleted_at = now()`); // earlier tests' accounts are not this test's business
    const login = graph.newInstagramLogin();
    const swept = await account({ ig_user_id: login.igUserId, access_token: login.token, login: 'instagram' }, 10);
    const personal = graph.newInstagramLogin();
    graph.control.fault({ path: '^/refresh_access_token$', fault: { kind: 'slow', ms: 800 } });
    const last = (await readEvents(redis.client, redis.prefix, { afterId: '0', count: 10_000 })).at(-1)?.id ?? '0';

    const sweep = refreshInstagramLoginTokens(deps, { refreshAfterMs: 7 * DAY, paceMs: 5 });
    await eventually('the refresh call to arrive', () => graph.control.faults.pending === 0, 5_000, 10);
    // What PUT /api/accounts/:id/session does meanwhile.
    const replaced = await replaceAccountSession(db.db, swept.userId, swept.id, encryptJson(keyring, { ig_user_id: login.igUserId, access_token: personal.token, login: 'instagram' }));
    expect(await sweep).toEqual({ refreshed: 0, failed: 0, replaced: 1 });

    const stored = await row(swept.id);
    expect(decryptJson(keyring, stored.credentials_encrypted)).toMatchObject({ access_token: personal.token });
    expect(stored.session_updated_at).toEqual(replaced!.sessionUpdatedAt);
    expect(stored.session_valid).toBeNull();
    expect(healthEvents(await readEvents(redis.client, redis.prefix, { afterId: last }))).toEqual([]);
  });

  it('leaves a failure unrecorded when the person replaced the token meanwhile', async () => {
    await db.pool.query(`update accounts set deleted_at = now()`);
    const login = graph.newInstagramLogin();
    graph.control.store.tokens.get(login.token)!.revoked = true;
    const swept = await account({ ig_user_id: login.igUserId, access_token: login.token, login: 'instagram' }, 20);
    graph.control.fault({ path: '^/refresh_access_token$', fault: { kind: 'slow', ms: 800 } });
    const sweep = refreshInstagramLoginTokens(deps, { refreshAfterMs: 7 * DAY, paceMs: 5 });
    await eventually('the refresh call to arrive', () => graph.control.faults.pending === 0, 5_000, 10);
    await replaceAccountSession(db.db, swept.userId, swept.id, encryptJson(keyring, { ig_user_id: login.igUserId, access_token: graph.newInstagramLogin().token, login: 'instagram' }));
    expect(await sweep).toEqual({ refreshed: 0, failed: 0, replaced: 1 });
    expect(await row(swept.id)).toMatchObject({ session_valid: null, session_check_temporary_failure: false });
  });
});

/** [account id, health] of each account.health event, in order. */
const healthEvents = (events: StoredEvent[]) => events.filter((e) => e.type === 'account.health').map((e) => [e.data.account_id, e.data.health_status]);
