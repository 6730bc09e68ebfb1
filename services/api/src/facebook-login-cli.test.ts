import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson } from '@autoposter/crypto';
import { findAccount } from '@autoposter/db/repositories/accounts';
import { startFakeFacebook, type FakeFacebook } from '@autoposter/fake-facebook';
import { createTestApi, type TestApi } from './test/test-app.ts';
import { formatKeyring } from '@autoposter/config';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

let api: TestApi;
let fake: FakeFacebook;
beforeAll(async () => {
  [api, fake] = await Promise.all([createTestApi(), startFakeFacebook()]);
});
afterAll(async () => {
  await fake?.close();
  await api?.close();
});

const runCli = (...args: string[]) =>
  run('npx', ['tsx', cli, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: api.db.url,
      REDIS_URL: api.redis.url,
      QUEUE_PREFIX: api.config.redis.prefix,
      SECRETS_KEYS: formatKeyring(api.config.secrets.keys),
      FACEBOOK_BASE_URL: fake.url,
      BROWSER_ACTION_DELAY: '0',
      BROWSER_TYPING_DELAY: '0',
    },
    timeout: 170_000,
  });

/** An account whose stored session Facebook no longer accepts. */
async function staleAccount(token: string) {
  const seller = fake.state.addAccount({ email: `seller-${Date.now()}@example.test`, password: 'right password', locale: 'es_LA' });
  const cookies = fake.exportCookies({ ...seller, xs: 'an-old-session-secret' });
  const res = await api.app.inject({
    method: 'POST',
    url: '/api/accounts',
    headers: api.auth(token),
    payload: { kind: 'facebook_browser', name: 'Seller', credentials: { cookies } },
  });
  return { seller, accountId: res.json().id as string };
}

describe('pnpm cli facebook-login', () => {
  it('logs in through the login form and saves the new session to the account, encrypted', async () => {
    const { token, user } = await api.register();
    const { seller, accountId } = await staleAccount(token);
    const { stdout } = await runCli('facebook-login', '--account', accountId, '--headless', '--email', seller.email!, '--password', 'right password');
    expect(stdout).toContain(`Saved the Facebook session of account ${accountId}`);
    const account = (await findAccount(api.db.db, user.id, accountId))!;
    const saved = decryptJson<{ storage_state: { cookies: { name: string; value: string; domain: string }[] } }>(api.config.secrets, account.credentialsEncrypted);
    const byName = Object.fromEntries(saved.storage_state.cookies.map((c) => [c.name, c]));
    expect(byName.c_user).toMatchObject({ value: seller.userId, domain: '.facebook.com' });
    expect(byName.xs).toMatchObject({ value: seller.xs, domain: '.facebook.com' });
    expect(account.sessionValid).toBeNull();
  }, 180_000);

  it('fails, saving nothing, when the password is wrong', async () => {
    const { token, user } = await api.register();
    const { seller, accountId } = await staleAccount(token);
    const before = (await findAccount(api.db.db, user.id, accountId))!.credentialsEncrypted;
    const failure = runCli('facebook-login', '--account', accountId, '--headless', '--email', seller.email!, '--password', 'wrong', '--timeout', '3');
    await expect(failure).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('Not logged in after 3s') });
    expect((await findAccount(api.db.db, user.id, accountId))!.credentialsEncrypted).toBe(before);
  }, 180_000);
});
