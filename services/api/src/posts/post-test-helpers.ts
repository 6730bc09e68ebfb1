import { insertAccount, insertMedia, insertUser } from '@autoposter/testing';
import type { TestApi } from '../test/test-app.ts';

/** A registered user with one account of each kind, an image and a video, for post tests. */
export async function createPoster(api: TestApi) {
  const db = api.db.db;
  // Signed directly so these tests do not depend on the auth routes.
  const user = await insertUser(db);
  const token = api.app.signToken(user);
  const keyring = api.config.secrets;
  const [browser, page, instagram, image, secondImage, video] = await Promise.all([
    insertAccount(db, keyring, user.id, 'facebook_browser'),
    insertAccount(db, keyring, user.id, 'facebook_page'),
    insertAccount(db, keyring, user.id, 'instagram_business'),
    insertMedia(db, user.id),
    insertMedia(db, user.id, { mime: 'image/jpeg' }),
    insertMedia(db, user.id, { mime: 'video/mp4', width: null, height: null }),
  ]);
  const headers = api.auth(token);
  return {
    userId: user.id,
    headers,
    accounts: { browser: browser.id, page: page.id, instagram: instagram.id },
    media: { image: image.id, secondImage: secondImage.id, video: video.id },
    post: (payload: unknown, extraHeaders: Record<string, string> = {}) =>
      api.app.inject({ method: 'POST', url: '/api/posts', headers: { ...headers, ...extraHeaders }, payload: payload as object }),
    /** A body that is valid for every channel at once. */
    fullBody(): Record<string, unknown> {
      return {
        title: 'Oak table',
        body: 'Solid oak table, seats six. #furniture',
        price: 120.5,
        currency: 'EUR',
        category: 'furniture',
        condition: 'used_good',
        location: 'Lyon',
        link: 'https://example.com/table',
        media_ids: [image.id, secondImage.id],
        targets: [
          { channel: 'marketplace', account_id: browser.id },
          { channel: 'facebook_group', account_id: browser.id, target_id: '123456789' },
          { channel: 'facebook_page', account_id: page.id },
          { channel: 'instagram', account_id: instagram.id },
        ],
      };
    },
    /** The smallest valid body: a Page post. */
    pageBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
      return { body: 'Hello Page', targets: [{ channel: 'facebook_page', account_id: page.id }], ...extra };
    },
  };
}

export type Poster = Awaited<ReturnType<typeof createPoster>>;

/** Counts the user's posts, soft-deleted or not, straight from the database. */
export async function countPosts(api: TestApi, userId: string): Promise<number> {
  const { rows } = await api.db.pool.query<{ count: string }>('select count(*) from posts where user_id = $1', [userId]);
  return Number(rows[0]!.count);
}
