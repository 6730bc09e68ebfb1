import { insertAccount, insertPost, insertUser, type PostFixtureTarget } from '@autoposter/testing';
import type { Channel } from '@autoposter/db';
import type { TestApi } from './test-app.ts';

const kindFor = { facebook_page: 'facebook_page', instagram: 'instagram_business', marketplace: 'facebook_browser', facebook_group: 'facebook_browser' } as const;

/** A registered user with one account per channel, and a helper to make posts for it. */
export async function userWithAccounts(api: TestApi) {
  const user = await insertUser(api.db.db);
  const token = api.app.signToken(user);
  const accounts = {} as Record<Channel, string>;
  for (const channel of Object.keys(kindFor) as Channel[]) {
    accounts[channel] = (await insertAccount(api.db.db, api.config.secrets, user.id, kindFor[channel])).id;
  }
  const headers = api.auth(token);
  return {
    user,
    token,
    headers,
    accounts,
    async post(channels: Channel[] = ['facebook_page'], extra: Partial<PostFixtureTarget> = {}) {
      return insertPost(
        api.db.db,
        user.id,
        channels.map((channel) => ({
          channel,
          accountId: accounts[channel],
          targetId: channel === 'facebook_group' ? 'group-1' : null,
          ...extra,
        })),
      );
    },
  };
}
