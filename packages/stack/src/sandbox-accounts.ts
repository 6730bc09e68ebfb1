import { randomBytes, randomInt } from 'node:crypto';

export type Channel = 'marketplace' | 'facebook_group' | 'facebook_page' | 'instagram';

export interface SandboxTarget {
  channel: Channel;
  account_id: string;
  target_id?: string;
}

/** The gateway's account ids for one fresh identity of every kind, and the fakes' own ids of them. */
export interface SandboxAccounts {
  /** A browser account (session cookies the fake Facebook accepts) that lists on Marketplace. */
  marketplace: { accountId: string; fakeUserId: string };
  /** Another browser account, member of a fresh group, so both browser flows can run at once. */
  facebookGroup: { accountId: string; fakeUserId: string; groupId: string };
  /** A Page the fake Graph API knows, connected with its Page token. */
  facebookPage: { accountId: string; pageId: string };
  /** The Instagram account connected to that Page (Facebook Login). */
  instagram: { accountId: string; igUserId: string };
  /** One target per channel, ready for `POST /api/posts`. */
  targets: SandboxTarget[];
}

export interface SeedSandboxOptions {
  /** The gateway, e.g. http://127.0.0.1:3000. */
  apiUrl: string;
  /** A user's access token: the accounts are theirs. */
  token: string;
  /** The fake Graph API the gateway and the Meta worker point at (GRAPH_API_BASE_URL). */
  fakeGraphUrl: string;
  /** The fake Facebook the marketplace worker points at (FACEBOOK_BASE_URL). */
  fakeFacebookUrl: string;
  /**
   * Pacing of the new accounts. By default none to speak of: the sandbox shows a run in
   * seconds, where the configured defaults (a 2-minute gap) would make it take minutes.
   */
  limits?: { daily_cap?: number; min_gap_seconds?: number };
  /** Prefix of the accounts' names, e.g. "Demo". */
  namePrefix?: string;
}

const SANDBOX_LIMITS = { daily_cap: 1000, min_gap_seconds: 0, posting_hours: null };

/**
 * Creates, for the user behind `token`, one account of every kind, each backed by a fresh
 * identity seeded into the fakes over their control APIs: two browser sessions and a group in
 * the fake Facebook, a Page with a connected Instagram account in the fake Graph API. Fresh
 * identities every call, so two users (or two runs) never share one.
 */
export async function seedSandboxAccounts(options: SeedSandboxOptions): Promise<SandboxAccounts> {
  const prefix = options.namePrefix ?? 'Sandbox';
  const limits = { ...SANDBOX_LIMITS, ...options.limits };
  const createAccount = async (kind: string, name: string, credentials: object) =>
    (await request<{ id: string }>(`${options.apiUrl}/api/accounts`, { kind, name, credentials, limits }, options.token)).id;

  const seller = await request<FakeFacebookAccount>(`${options.fakeFacebookUrl}/__control/accounts`, { name: `${prefix} Seller` });
  const member = await request<FakeFacebookAccount>(`${options.fakeFacebookUrl}/__control/accounts`, { name: `${prefix} Member` });
  const group = await request<{ id: string }>(`${options.fakeFacebookUrl}/__control/groups`, { name: `${prefix} Buy & Sell` });

  const page = { id: numericId(), name: `${prefix} Bakery`, token: `EAAFAKESANDBOX${randomBytes(12).toString('hex').toUpperCase()}` };
  const igUser = { id: `178414${numericId()}`, username: `${prefix.toLowerCase()}.bakery.${randomInt(1e6)}` };
  await request(`${options.fakeGraphUrl}/_control/seed`, { pages: [{ ...page, instagram: igUser }] });

  const marketplaceId = await createAccount('facebook_browser', `${prefix} Seller`, { cookies: seller.cookies });
  const groupAccountId = await createAccount('facebook_browser', `${prefix} Member`, { cookies: member.cookies });
  const pageAccountId = await createAccount('facebook_page', page.name, { page_id: page.id, access_token: page.token });
  const instagramId = await createAccount('instagram_business', `@${igUser.username}`, { ig_user_id: igUser.id, access_token: page.token, login: 'facebook' });

  return {
    marketplace: { accountId: marketplaceId, fakeUserId: seller.userId },
    facebookGroup: { accountId: groupAccountId, fakeUserId: member.userId, groupId: group.id },
    facebookPage: { accountId: pageAccountId, pageId: page.id },
    instagram: { accountId: instagramId, igUserId: igUser.id },
    targets: [
      { channel: 'marketplace', account_id: marketplaceId },
      { channel: 'facebook_group', account_id: groupAccountId, target_id: group.id },
      { channel: 'facebook_page', account_id: pageAccountId },
      { channel: 'instagram', account_id: instagramId },
    ],
  };
}

interface FakeFacebookAccount {
  userId: string;
  cookies: object[];
}

const numericId = () => `${Date.now()}${randomInt(1000, 10_000)}`;

/** POSTs JSON; a failure names the URL and the answer (never the body sent: it holds credentials). */
async function request<T>(url: string, body: object, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
