import { randomBytes } from 'node:crypto';
import type { RunningStack } from '@autoposter/stack';
import { control, type ApiClient } from './api.ts';

export type Channel = 'facebook_page' | 'instagram' | 'marketplace' | 'facebook_group';

export interface DrillAccounts {
  /** Account ids in the platform, per channel they publish to. */
  facebookPages: string[];
  instagram: string[];
  browsers: string[];
  /** The fake Facebook user id behind each browser account (for its faults). */
  browserUsers: string[];
  /** The fake Facebook group the group deliveries go to. */
  groupId: string;
}

/**
 * Accounts of every kind, created through the API as a person would, each backed by an
 * identity seeded into the fakes: Pages with a connected Instagram account in the fake Graph
 * API, browser sessions in the fake Facebook.
 */
export async function seedDrillAccounts(stack: RunningStack, api: ApiClient, counts: { pages: number; browsers: number }): Promise<DrillAccounts> {
  const graph = stack.urls.fakeGraph!;
  const facebook = stack.urls.fakeFacebook!;
  const pages = Array.from({ length: counts.pages }, (_, n) => {
    const id = `${2_000_000_000 + Math.floor(Math.random() * 900_000_000)}`;
    return { id, name: `Chaos Page ${n + 1}`, token: `EAACHAOS${randomBytes(12).toString('hex')}`, instagram: { id: `1784${id}`, username: `chaos.page.${n + 1}` } };
  });
  await control(`${graph}/_control/seed`, 'POST', { pages });

  const accounts: DrillAccounts = { facebookPages: [], instagram: [], browsers: [], browserUsers: [], groupId: '' };
  for (const page of pages) {
    const pageAccount = await api.expect<{ id: string }>(201, 'POST', '/api/accounts', {
      kind: 'facebook_page',
      name: page.name,
      credentials: { page_id: page.id, access_token: page.token },
    });
    accounts.facebookPages.push(pageAccount.id);
    const igAccount = await api.expect<{ id: string }>(201, 'POST', '/api/accounts', {
      kind: 'instagram_business',
      name: `${page.name} on Instagram`,
      credentials: { ig_user_id: page.instagram.id, access_token: page.token },
    });
    accounts.instagram.push(igAccount.id);
  }
  for (let n = 1; n <= counts.browsers; n++) {
    const seeded = await control<{ userId: string; cookies: unknown[] }>(`${facebook}/__control/accounts`, 'POST', { name: `Chaos Seller ${n}` });
    const account = await api.expect<{ id: string }>(201, 'POST', '/api/accounts', {
      kind: 'facebook_browser',
      name: `Chaos Seller ${n}`,
      credentials: { cookies: seeded.cookies },
    });
    accounts.browsers.push(account.id);
    accounts.browserUsers.push(seeded.userId);
  }
  accounts.groupId = (await control<{ id: string }>(`${facebook}/__control/groups`, 'POST', { name: 'Chaos Buy & Sell' })).id;
  return accounts;
}
