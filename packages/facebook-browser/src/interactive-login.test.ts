import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeFacebook, type FakeFacebook } from '@autoposter/fake-facebook';
import { logInToFacebook } from './interactive-login.ts';
import { testBrowserSettings } from './settings.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let fake: FakeFacebook;
beforeAll(async () => {
  fake = await startFakeFacebook();
});
afterAll(() => fake?.close());

describe('logging in through Chromium', () => {
  it('logs in when Facebook shows its login form in place of the home page, without a redirect', async () => {
    const account = fake.state.addAccount({ email: 'seller@example.com', password: 'right password' });
    fake.state.script(account.userId, { kind: 'logged_out_in_place', clear_cookies: true }, 1);
    const said: string[] = [];
    const { storage_state } = await logInToFacebook(testBrowserSettings({ baseUrl: fake.url }), {
      current: { cookies: fake.exportCookies(account) },
      email: 'seller@example.com',
      password: 'right password',
      timeoutMs: 15_000,
      say: (message) => void said.push(message),
    });
    expect(said).toEqual([]);
    expect(storage_state.cookies.find((c) => c.name === 'c_user')?.value).toBe(account.userId);
    expect(storage_state.cookies.find((c) => c.name === 'xs')?.value).toBe(account.xs);
  });
});
