import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson } from '@autoposter/crypto';
import { insertAccount, insertUser } from '@autoposter/testing';
import { MetaHarness } from './test/meta-harness.ts';

const DAY = 86_400_000;
const INTERVAL_MS = 2_000;

let h: MetaHarness;
beforeAll(async () => {
  h = await MetaHarness.create();
});
afterAll(() => h.close());

/** An Instagram Login account whose token was stored `daysAgo` days ago. */
async function instagramLogin(daysAgo: number) {
  const ig = h.graph.newInstagramLogin();
  const user = await insertUser(h.db.db);
  const account = await insertAccount(h.db.db, h.keyring, user.id, 'instagram_business', {
    credentials: { ig_user_id: ig.igUserId, access_token: ig.token, login: 'instagram' },
    sessionUpdatedAt: new Date(Date.now() - daysAgo * DAY),
  });
  return { account, token: ig.token, igUserId: ig.igUserId };
}

const refreshCalls = () => h.graph.control.store.calls.filter((call) => call.path === '/refresh_access_token').length;

async function refreshedToken(login: Awaited<ReturnType<typeof instagramLogin>>): Promise<string | null> {
  const row = await h.account(login.account);
  const { access_token } = decryptJson<{ access_token: string }>(h.keyring, row.credentialsEncrypted);
  return access_token !== login.token && Date.now() - row.sessionUpdatedAt.getTime() < 60_000 ? access_token : null;
}

describe('meta worker: the Instagram Login token refresh sweep', () => {
  it('runs once across replicas (the Redis lock) and again every INSTAGRAM_TOKEN_REFRESH_INTERVAL', async () => {
    const first = await instagramLogin(10);
    // A slow refresh: a replica without the lock would list the account before the other stored its new token.
    h.graph.control.fault({ path: '^/refresh_access_token$', times: 2, fault: { kind: 'slow', ms: 1_500 } });
    const env = { INSTAGRAM_TOKEN_REFRESH_INTERVAL: `${INTERVAL_MS}ms`, INSTAGRAM_TOKEN_REFRESH_AFTER: '7d' };
    await Promise.all([h.startWorker({ env }), h.startWorker({ env })]);

    await h.waitFor('the first sweep', async () => (await refreshedToken(first)) !== null, 10_000);
    await sleep(500); // the other replica's first sweep has begun too by now
    expect(refreshCalls()).toBe(1);
    expect(h.graph.control.store.tokens.get((await refreshedToken(first))!)).toMatchObject({ kind: 'instagram_login', subjectId: first.igUserId });
    expect(await h.health(first.account)).toBe('healthy');
    h.graph.control.faults.clear();

    // Due after the first sweep: refreshed by the next one, an interval later, by one replica.
    const second = await instagramLogin(10);
    const dueAt = Date.now();
    await h.waitFor('the next sweep', async () => (await refreshedToken(second)) !== null, 3 * INTERVAL_MS);
    expect(Date.now() - dueAt).toBeLessThan(2 * INTERVAL_MS);
    await sleep(500);
    expect(refreshCalls()).toBe(2);
  });
});
