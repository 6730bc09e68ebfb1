import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { numericId, startFakeFacebook, type FakeFacebook, type Fault, type FakeLocale, type GroupPost, type Listing } from '@autoposter/fake-facebook';
import { PublishError } from '@autoposter/publisher';
import { createFacebookBrowserPublisher, type FacebookBrowserPublisher } from './facebook-publisher.ts';
import { testBrowserSettings } from './settings.ts';
import { publishAccount, publishRequest, type RecordedRequest } from './test/fixtures.ts';

// Real Chromium on a shared 2-core machine: a flow can take far longer than the suite's default.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let fake: FakeFacebook;
let publisher: FacebookBrowserPublisher;

beforeAll(async () => {
  fake = await startFakeFacebook();
  publisher = createFacebookBrowserPublisher(testBrowserSettings({ baseUrl: fake.url }));
});
afterAll(async () => {
  await publisher?.close();
  await fake?.close();
});

/** The request of the attempt after one whose outcome is unknown: what it saved before its final click. */
const afterUnknownOutcome = (request: RecordedRequest): RecordedRequest => ({ ...request, attemptNo: 2, savedState: request.saved.at(-1)! });

/** Puts `item` where the fake shows it first (its lists are newest last). */
function showFirst<T>(items: T[], item: T) {
  items.splice(items.indexOf(item), 1);
  items.push(item);
}

const yesterday = () => new Date(Date.now() - 86_400_000).toISOString();

function oldListing(userId: string, title: string): Listing {
  const old: Listing = {
    id: numericId(),
    userId,
    title,
    price: '90',
    category: 'Furniture',
    condition: 'Used - good',
    description: '',
    location: 'Austin, Minnesota',
    photoCount: 1,
    boosted: false,
    createdAt: yesterday(),
  };
  fake.state.listings.push(old);
  return old;
}

function oldGroupPost(groupId: string, userId: string, text: string): GroupPost {
  const old: GroupPost = { id: numericId(), groupId, userId, text, photoCount: 0, status: 'posted', createdAt: yesterday() };
  fake.state.groupPosts.push(old);
  return old;
}

const listing = (title: string) => ({
  title,
  price: '120',
  body: 'Solid oak.\nPick up only.',
  category: 'Furniture',
  condition: 'Used - good',
  location: 'Austin, Minnesota',
});

describe.each<FakeLocale>(['en_US', 'es_LA'])('Marketplace and groups in %s', (locale) => {
  it('publishes a listing: every field, boost off, the id read back', async () => {
    const account = fake.state.addAccount({ locale, name: `Seller ${locale}` });
    const request = publishRequest(publishAccount(fake, account), listing(`Oak table ${locale}`), { photos: 2 });
    const result = await publisher.publish(request);

    const [stored] = fake.state.listingsOf(account.userId);
    expect(stored).toMatchObject({
      id: result.providerPostId,
      title: `Oak table ${locale}`,
      price: '120',
      category: locale === 'en_US' ? 'Furniture' : 'Muebles',
      condition: locale === 'en_US' ? 'Used - good' : 'Usado - Buen estado',
      description: 'Solid oak.\nPick up only.',
      location: 'Austin, Minnesota',
      photoCount: 2,
      boosted: false,
    });
    expect(result.permalink).toBe(`${fake.url}/marketplace/item/${stored!.id}/`);
    expect(request.saved).toEqual([expect.objectContaining({ flow: 'marketplace', title: `Oak table ${locale}` })]);
    const cookies = (result.refreshedCredentials as { storage_state: { cookies: { name: string; domain: string }[] } }).storage_state.cookies;
    expect(cookies.map((c) => c.name)).toEqual(expect.arrayContaining(['c_user', 'xs', 'fr']));
    expect(new Set(cookies.map((c) => c.domain))).toEqual(new Set(['.facebook.com']));
  });

  it('posts to a group through the composer, lines kept', async () => {
    const account = fake.state.addAccount({ locale });
    const group = fake.state.addGroup({});
    const text = `Selling a bike ${locale}\nBarely used\nDM me`;
    const request = publishRequest(publishAccount(fake, account), { body: text }, { channel: 'facebook_group', targetId: group.id, photos: 1 });
    const result = await publisher.publish(request);
    const [stored] = fake.state.groupPosts.filter((p) => p.groupId === group.id);
    expect(stored).toMatchObject({ id: result.providerPostId, text, photoCount: 1, status: 'posted', userId: account.userId });
    expect(result.permalink).toBe(`${fake.url}/groups/${group.id}/posts/${stored!.id}/`);
  });

  it('publishes a group post that itself mentions a security check and a captcha', async () => {
    const account = fake.state.addAccount({ locale });
    const group = fake.state.addGroup({});
    const text = `Quick security check before you buy: ask me for the serial ${locale}\nNo captcha, no scams (control de seguridad incluido)`;
    const request = publishRequest(publishAccount(fake, account), { body: text }, { channel: 'facebook_group', targetId: group.id, photos: 0 });
    const result = await publisher.publish(request);
    const [stored] = fake.state.groupPosts.filter((p) => p.groupId === group.id);
    expect(stored).toMatchObject({ id: result.providerPostId, text });
    // Its permalink is read back again later, with the post on the page: still no captcha.
    expect(await publisher.findExisting(afterUnknownOutcome(request))).toEqual({ providerPostId: stored!.id, permalink: result.permalink });
  });

  it('tells a post pending admin approval from a published one', async () => {
    const account = fake.state.addAccount({ locale });
    const group = fake.state.addGroup({ approval: true });
    const request = publishRequest(publishAccount(fake, account), { body: `Pending ${locale}` }, { channel: 'facebook_group', targetId: group.id, photos: 0 });
    const result = await publisher.publish(request);
    const [stored] = fake.state.groupPosts.filter((p) => p.groupId === group.id);
    expect(result).toMatchObject({ providerPostId: stored!.id, permalink: null });
    expect(request.logs.map((l) => l.message).join('\n')).toMatch(/pending admin approval/);
  });

  it('reports an expired session, a checkpoint and a block, each with a screenshot', async () => {
    const account = fake.state.addAccount({ locale });
    const cases = [
      { fault: { kind: 'session_expired' } as const, type: 'session_expired' },
      { fault: { kind: 'checkpoint' } as const, type: 'captcha' },
      { fault: { kind: 'block' } as const, type: 'rate_limit' },
    ];
    for (const { fault, type } of cases) {
      fake.state.clearFaults(account.userId);
      fake.state.script(account.userId, fault);
      const error = await publisher.publish(publishRequest(publishAccount(fake, account), listing(`Faulty ${type}`))).catch((e: unknown) => e);
      expect(error, type).toBeInstanceOf(PublishError);
      expect((error as PublishError).type).toBe(type);
      expect((error as PublishError).screenshot!.subarray(1, 4).toString()).toBe('PNG');
      if (type === 'rate_limit') expect((error as PublishError).retryAfterMs).toBe(24 * 3_600_000);
    }
    fake.state.clearFaults(account.userId);
  });

  it('tells a session Facebook ended without a redirect: its login form in place, or its session cookies gone', async () => {
    const account = fake.state.addAccount({ locale });
    const group = fake.state.addGroup({});
    const loggedOut = async (fault: Omit<Extract<Fault, { kind: 'logged_out_in_place' }>, 'kind'>) => {
      fake.state.clearFaults(account.userId);
      fake.state.script(account.userId, { kind: 'logged_out_in_place', ...fault });
      return publisher.checkBrowserSession(publishAccount(fake, account), {});
    };
    expect(await loggedOut({})).toMatchObject({ valid: false, errorType: 'session_expired', message: expect.stringContaining('login form') });
    expect(await loggedOut({ as_visitor: true, clear_cookies: true })).toMatchObject({ valid: false, errorType: 'session_expired', message: expect.stringContaining('cookies') });

    await loggedOut({});
    const request = publishRequest(publishAccount(fake, account), { body: `Logged out ${locale}` }, { channel: 'facebook_group', targetId: group.id, photos: 0 });
    const error = (await publisher.publish(request).catch((e: unknown) => e)) as PublishError;
    expect(error.type).toBe('session_expired');
    expect(error.screenshot!.subarray(1, 4).toString()).toBe('PNG');
    fake.state.clearFaults(account.userId);
    expect(await publisher.checkBrowserSession(publishAccount(fake, account), {})).toMatchObject({ valid: true });
  });

  it('gets through a "Leave page?" dialog and a slow upload, keeping Publish disabled until photos are in', async () => {
    const account = fake.state.addAccount({ locale });
    fake.state.script(account.userId, { kind: 'leave_dialog' }, 1);
    fake.state.script(account.userId, { kind: 'slow_upload', ms: 1_500 }, 3);
    const result = await publisher.publish(publishRequest(publishAccount(fake, account), listing(`Slow ${locale}`), { photos: 3 }));
    expect(fake.state.listingsOf(account.userId)).toEqual([expect.objectContaining({ id: result.providerPostId, photoCount: 3 })]);
  });

  it('finds an earlier listing past the first pages of "Your listings", and a group post by its author', async () => {
    const account = fake.state.addAccount({ locale });
    const request = publishRequest(publishAccount(fake, account), listing('Old listing 3'));
    const post = await publisher.publish(request);
    fake.state.listings.push(
      ...Array.from({ length: 150 }, (_, i) => ({ ...fake.state.listingsOf(account.userId)[0]!, id: `9${i}000`, title: `Newer listing ${i}` })),
    );
    expect(await publisher.findExisting(afterUnknownOutcome(request))).toEqual({ providerPostId: post.providerPostId, permalink: post.permalink });
    const missing = publishRequest(publishAccount(fake, account), listing('Never published'));
    expect(await publisher.findExisting({ ...missing, savedState: { ...request.saved[0]!, title: 'Never published', existing_ids: [] } })).toBeNull();

    const group = fake.state.addGroup({});
    const groupRequest = publishRequest(publishAccount(fake, account), { body: `Found later ${locale}` }, { channel: 'facebook_group', targetId: group.id, photos: 0 });
    const groupPost = await publisher.publish(groupRequest);
    expect(await publisher.findExisting(afterUnknownOutcome(groupRequest))).toEqual({ providerPostId: groupPost.providerPostId, permalink: groupPost.permalink });
  });

  it('never adopts a listing of the same title that was there before the final click', async () => {
    const account = fake.state.addAccount({ locale });
    const title = `Pine dresser ${locale}`;
    const old = oldListing(account.userId, title);
    const request = publishRequest(publishAccount(fake, account), listing(title), { photos: 1 });
    const result = await publisher.publish(request);
    expect(result.providerPostId).not.toBe(old.id);
    expect(request.saved).toEqual([expect.objectContaining({ flow: 'marketplace', existing_ids: [old.id] })]);

    // Facebook lists a renewed listing first: the old one now shows above the new one.
    showFirst(fake.state.listings, old);
    const retry = afterUnknownOutcome(request);
    expect(await publisher.findExisting(retry)).toEqual({ providerPostId: result.providerPostId, permalink: result.permalink });
    // A click older than the attempts whose outcome is unknown published nothing they need to find.
    expect(await publisher.findExisting({ ...retry, since: new Date(Date.now() + 3_600_000) })).toBeNull();
    // Facebook never stored the new listing: the old one is not it.
    fake.state.listings.splice(fake.state.listings.findIndex((l) => l.id === result.providerPostId), 1);
    expect(await publisher.findExisting(retry)).toBeNull();
    // No attempt got as far as the click (nothing saved): nothing can have been published.
    expect(await publisher.findExisting({ ...retry, savedState: null })).toBeNull();
  });

  it('reads back its own new group post, not an older identical one by itself or another member', async () => {
    const account = fake.state.addAccount({ locale });
    const member = fake.state.addAccount({ locale, name: 'Other Member' });
    const group = fake.state.addGroup({});
    const text = `Selling my old bike ${locale}\nDM me`;
    const olderOwn = oldGroupPost(group.id, account.userId, text);
    oldGroupPost(group.id, member.userId, text);
    // Facebook takes its time: the older identical posts are all the feed shows for a while after Post.
    fake.state.script(account.userId, { kind: 'slow_publish', ms: 1_500 }, 1);
    const request = publishRequest(publishAccount(fake, account), { body: text }, { channel: 'facebook_group', targetId: group.id, photos: 0 });
    const result = await publisher.publish(request);

    const stored = fake.state.groupPosts.filter((p) => p.groupId === group.id && p.userId === account.userId).at(-1)!;
    expect(stored.id).not.toBe(olderOwn.id);
    expect(result).toEqual(expect.objectContaining({ providerPostId: stored.id, permalink: `${fake.url}/groups/${group.id}/posts/${stored.id}/` }));
    expect((request.saved[0]!.existing_ids as string[]).sort()).toEqual(fake.state.groupPosts.filter((p) => p.groupId === group.id && p !== stored).map((p) => p.id).sort());

    // The feed shows the older post of the account first ("Most relevant"): still not it.
    showFirst(fake.state.groupPosts, olderOwn);
    expect(await publisher.findExisting(afterUnknownOutcome(request))).toEqual({ providerPostId: stored.id, permalink: result.permalink });
  });

  it('refuses a listing without a category or a condition before opening the form, naming what is missing', async () => {
    const account = fake.state.addAccount({ locale });
    const error = (await publisher
      .publish(publishRequest(publishAccount(fake, account), { ...listing('No category'), category: null, condition: null }))
      .catch((e: unknown) => e)) as PublishError;
    expect(error.type).toBe('validation_error');
    expect(error.message).toContain('a category, a condition');
    expect(fake.state.requests.filter((r) => r.userId === account.userId)).toEqual([]);
  });

  it('names the element it could not find when Facebook renamed a field', async () => {
    const account = fake.state.addAccount({ locale });
    fake.state.script(account.userId, { kind: 'renamed_field', field: 'price' });
    const error = (await publisher.publish(publishRequest(publishAccount(fake, account), listing('Renamed'))).catch((e: unknown) => e)) as PublishError;
    expect(error.type).toBe('ui_changed');
    expect(error.message).toContain('MarketplaceForm.price');
    expect(error.screenshot!.subarray(1, 4).toString()).toBe('PNG');
    expect(error.html).toContain(locale === 'en_US' ? 'Item for sale' : 'Artículo en venta');
    expect(error.html).not.toContain(account.xs);
    expect(fake.state.listingsOf(account.userId)).toHaveLength(0);
  });
});

describe('an interface language without a table', () => {
  it('fails at once, naming the language and how to add it, and the session check says so without calling the session invalid', async () => {
    const french = fake.state.addAccount({});
    fake.state.script(french.userId, { kind: 'interface_language', lang: 'fr' });
    const error = (await publisher.publish(publishRequest(publishAccount(fake, french), listing('Table en chêne'))).catch((e: unknown) => e)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ type: 'ui_changed', code: 'PageSession.language', temporary: false });
    expect(error.message).toContain('French (fr)');
    expect(error.message).toContain('English (US) or Español (Latinoamérica)');
    expect(error.message).toContain('packages/facebook-browser/src/locales.ts');
    expect(fake.state.listingsOf(french.userId)).toEqual([]);
    expect(await publisher.checkBrowserSession(publishAccount(fake, french), { flow: 'marketplace' })).toEqual({
      valid: true,
      message: expect.stringContaining('Logged in, but Facebook shows this account in French (fr)'),
      flowCheck: { ok: false, missing: ['PageSession.language'] },
    });

    // Spain's Spanish: the page says only "es", Facebook's locale cookie says which.
    const spanish = fake.state.addAccount({ locale: 'es_LA' });
    const fromSpain = publishAccount(fake, spanish);
    const cookies = (fromSpain.credentials as { cookies: Record<string, unknown>[] }).cookies;
    fromSpain.credentials = { cookies: cookies.map((c) => (c.name === 'locale' ? { ...c, value: 'es_ES' } : c)) };
    const group = fake.state.addGroup({});
    const spainError = (await publisher
      .publish(publishRequest(fromSpain, { body: 'Bicicleta' }, { channel: 'facebook_group', targetId: group.id, photos: 0 }))
      .catch((e: unknown) => e)) as PublishError;
    expect(spainError).toMatchObject({ type: 'ui_changed', code: 'PageSession.language' });
    expect(spainError.message).toContain('Spanish (Spain) (es_ES)');
    expect(fake.state.groupPosts.filter((p) => p.groupId === group.id)).toEqual([]);
  });
});

describe('warm contexts', () => {
  it('publishes again for an account whose previous run was aborted mid-flow', async () => {
    const warm = createFacebookBrowserPublisher(testBrowserSettings({ baseUrl: fake.url, warmContexts: 2, warmContextIdleMs: 60_000 }));
    try {
      const account = fake.state.addAccount({});
      const credentials = publishAccount(fake, account);
      fake.state.script(account.userId, { kind: 'slow_upload', ms: 10_000 }, 1);
      const abort = new AbortController();
      const uploadsBefore = fake.state.requests.filter((r) => r.path === '/api/upload').length;
      const aborted = warm.publish(publishRequest(credentials, listing('Aborted chair'), { photos: 1, signal: abort.signal })).catch((e: unknown) => e);
      await vi.waitFor(() => expect(fake.state.requests.filter((r) => r.path === '/api/upload').length).toBeGreaterThan(uploadsBefore), { timeout: 60_000, interval: 100 });
      abort.abort(new Error('publish timed out'));
      expect(await aborted).toBeInstanceOf(Error);

      const result = await warm.publish(publishRequest(credentials, listing('Chair after the abort'), { photos: 1 }));
      expect(fake.state.listingsOf(account.userId)).toEqual([expect.objectContaining({ id: result.providerPostId, title: 'Chair after the abort' })]);
    } finally {
      await warm.close();
    }
  });
});
