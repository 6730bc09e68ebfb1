import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { channels, type Channel } from '@autoposter/db';
import { findPost, findPostReferences } from '@autoposter/db/repositories/posts';
import { createTestDatabase, insertAccount, insertMedia, insertUser, testKeyring, type TestDatabase } from '@autoposter/testing';
import { HttpError } from '../plugins/errors.ts';
import { runIdempotent } from './idempotency.ts';
import { createPost } from './post-commands.ts';
import { newPost, type CreatePostBody } from './post-requests.ts';
import { toPostView } from './post-view.ts';
import { referenceRequirements, targetAndMediaIssues } from './references.ts';

let database: TestDatabase;
let userId: string;
/** Account and media ids a post may reference, including ones that must be refused. */
let accounts: string[];
let media: string[];
/** The ids that fit: an account of the kind each channel needs, images, a video. */
let fitting: { accountFor: Record<Channel, string>; images: string[]; video: string };
let pageBody: CreatePostBody;

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  const keyring = testKeyring();
  const [user, stranger] = await Promise.all([insertUser(db), insertUser(db)]);
  userId = user.id;
  const own = await Promise.all([
    insertAccount(db, keyring, userId, 'facebook_browser'),
    insertAccount(db, keyring, userId, 'facebook_page'),
    insertAccount(db, keyring, userId, 'instagram_business'),
    insertAccount(db, keyring, userId, 'instagram_business', { deletedAt: new Date() }),
    insertAccount(db, keyring, stranger.id, 'facebook_page'),
  ]);
  accounts = [...own.map((account) => account.id), randomUUID()];
  const files = await Promise.all([
    insertMedia(db, userId),
    insertMedia(db, userId, { mime: 'image/jpeg' }),
    insertMedia(db, userId, { mime: 'video/mp4', width: null, height: null }),
    insertMedia(db, stranger.id),
  ]);
  media = [...files.map((file) => file.id), randomUUID()];
  const [browser, page, instagram] = accounts as [string, string, string];
  fitting = {
    accountFor: { marketplace: browser, facebook_group: browser, facebook_page: page, instagram },
    images: [files[0]!.id, files[1]!.id],
    video: files[2]!.id,
  };
  pageBody = { body: 'Hello', media_ids: [media[0]!], targets: [{ channel: 'facebook_page', account_id: accounts[1]! }] };
});
afterAll(() => database.destroy());

const countPosts = async () =>
  Number((await database.pool.query<{ count: string }>('select count(*) from posts where user_id = $1', [userId])).rows[0]!.count);

describe('createPost', () => {
  it.each([
    ['pending', undefined],
    ['scheduled', new Date(Date.now() + 3_600_000).toISOString()],
  ])('answers a %s post exactly as it is stored, status included', async (status, scheduledAt) => {
    const view = await createPost(database.db, userId, { ...pageBody, scheduled_at: scheduledAt });
    expect(view.status).toBe(status);
    expect(view).toEqual(toPostView((await findPost(database.db, userId, view.id))!));
  });

  it('stores a post with one statement and no transaction when there is no Idempotency-Key', async () => {
    // Statements of a transaction go through a client checked out of the pool, not pool.query.
    const query = vi.spyOn(database.pool, 'query');
    try {
      const scope = { userId, key: undefined, payload: pageBody };
      await runIdempotent(database.db, scope, 201, (db) => createPost(db, userId, pageBody));
      expect(query).toHaveBeenCalledTimes(1);
    } finally {
      query.mockRestore();
    }
  });

  it('stores a post exactly when the references it reads back have no issue', async () => {
    // Mostly ids that fit, so that a single one that does not is the usual way to fail.
    const mostly = (fits: fc.Arbitrary<string>, any: string[]) =>
      fc
        .tuple(fc.oneof({ arbitrary: fits, weight: 4 }, { arbitrary: fc.constantFrom(...any), weight: 1 }), fc.boolean())
        .map(([id, upper]) => (upper ? id.toUpperCase() : id));
    const target = fc.constantFrom(...channels).chain((channel) =>
      mostly(fc.constant(fitting.accountFor[channel]), accounts).map((accountId) => ({
        channel,
        account_id: accountId,
        ...(channel === 'facebook_group' ? { target_id: '42' } : {}),
      })),
    );
    const body = fc.record({
      targets: fc.uniqueArray(target, { minLength: 1, maxLength: 3, selector: (picked) => picked.channel }),
      media_ids: fc.uniqueArray(mostly(fc.constantFrom(...fitting.images), media), { minLength: 1, maxLength: 3 }),
      video_media_id: fc.option(mostly(fc.constant(fitting.video), media), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(body, async (references) => {
        const input: CreatePostBody = { title: 'Oak table', price: 10, body: 'For sale', ...references };
        const before = await countPosts();
        const outcome = await createPost(database.db, userId, input).then(
          (view) => ({ view }),
          (error: unknown) => ({ error }),
        );
        if ('error' in outcome) {
          expect(outcome.error).toBeInstanceOf(HttpError);
          expect((outcome.error as HttpError).statusCode).toBe(400);
          expect(await countPosts()).toBe(before);
          return;
        }
        const { content } = newPost(input);
        const found = await findPostReferences(database.db, userId, referenceRequirements(input.targets, content));
        expect(targetAndMediaIssues(input.targets, content, found)).toEqual([]);
        expect(await countPosts()).toBe(before + 1);
      }),
      { numRuns: 60 },
    );
  });
});
