import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeFacebook, type AltNextSteps, type FakeAccount, type FakeFacebook, type FakeLocale } from '@autoposter/fake-facebook';
import { PublishError } from '@autoposter/publisher';
import { createFacebookBrowserPublisher, type FacebookBrowserPublisher } from './facebook-publisher.ts';
import { logInToFacebook } from './interactive-login.ts';
import { testBrowserSettings } from './settings.ts';
import { publishAccount, publishRequest, type RecordedRequest } from './test/fixtures.ts';

/**
 * Every flow on the fake's alt layout: the same roles, names and texts as the classic pages in
 * another structure and with other wording details (see `Layout` in fake-facebook), as another
 * stand-in of Facebook, or another build of it, serves them.
 */

// Real Chromium on a shared 2-core machine: a flow can take far longer than the suite's default.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let fake: FakeFacebook;
let publisher: FacebookBrowserPublisher;
const settings = () => testBrowserSettings({ baseUrl: fake.url, elementTimeoutMs: 5_000 });

beforeAll(async () => {
  fake = await startFakeFacebook();
  publisher = createFacebookBrowserPublisher(settings());
});
afterAll(async () => {
  await publisher?.close();
  await fake?.close();
});

/** The request of the attempt after one whose outcome is unknown: what it saved before its final click. */
const afterUnknownOutcome = (request: RecordedRequest): RecordedRequest => ({ ...request, attemptNo: 2, savedState: request.saved.at(-1)! });

const listing = (title: string) => ({
  title,
  price: '85',
  body: 'Pine shelf.\nScrews included.',
  category: 'Household',
  condition: 'Used - like new',
  location: 'Portland, Maine',
});

describe.each<FakeLocale>(['en_US', 'es_LA'])('the alt layout in %s', (locale) => {
  const altAccount = (nextSteps: AltNextSteps = 1, extra: Partial<FakeAccount> = {}) =>
    fake.state.addAccount({ locale, layout: { name: 'alt', nextSteps }, ...extra });

  it.each<AltNextSteps>([0, 1, 3])('publishes a listing through %i Next steps: every field, boost off, the id read back', async (nextSteps) => {
    const account = altAccount(nextSteps);
    fake.state.script(account.userId, { kind: 'leave_dialog' }, 1);
    const title = `Pine shelf ${locale} ${nextSteps}`;
    const request = publishRequest(publishAccount(fake, account), listing(title), { photos: 2 });
    const result = await publisher.publish(request);

    const [stored] = fake.state.listingsOf(account.userId);
    expect(stored).toMatchObject({
      id: result.providerPostId,
      title,
      price: '85',
      category: locale === 'en_US' ? 'Household' : 'Artículos para el hogar',
      condition: locale === 'en_US' ? 'Used - like new' : 'Usado - Como nuevo',
      description: 'Pine shelf.\nScrews included.',
      location: 'Portland, Maine',
      photoCount: 2,
      boosted: false,
    });
    expect(result.permalink).toBe(`${fake.url}/marketplace/item/${stored!.id}/`);
  });

  it('posts to a group through the composer inside the page, pressing "Post" and not "Post anonymously"', async () => {
    const account = altAccount();
    const group = fake.state.addGroup({});
    const text = `Selling a kayak ${locale}\nPaddles included`;
    const result = await publisher.publish(publishRequest(publishAccount(fake, account), { body: text }, { channel: 'facebook_group', targetId: group.id, photos: 1 }));
    const [stored] = fake.state.groupPosts.filter((p) => p.groupId === group.id);
    expect(stored).toMatchObject({ id: result.providerPostId, text, photoCount: 1, status: 'posted', userId: account.userId });
    expect(result.permalink).toBe(`${fake.url}/groups/${group.id}/posts/${stored!.id}/`);
  });

  it('tells a post pending admin approval from a published one', async () => {
    const account = altAccount();
    const group = fake.state.addGroup({ approval: true });
    const request = publishRequest(publishAccount(fake, account), { body: `Pending kayak ${locale}` }, { channel: 'facebook_group', targetId: group.id, photos: 0 });
    const result = await publisher.publish(request);
    const [stored] = fake.state.groupPosts.filter((p) => p.groupId === group.id);
    expect(stored!.status).toBe('pending');
    expect(result).toMatchObject({ providerPostId: stored!.id, permalink: null });
    expect(request.logs.map((l) => l.message).join('\n')).toMatch(/pending admin approval/);
  });

  it('reports a block as rate_limit and a renamed field as ui_changed naming it', async () => {
    const account = altAccount(0);
    fake.state.script(account.userId, { kind: 'block' }, 1);
    const blocked = (await publisher.publish(publishRequest(publishAccount(fake, account), listing('Blocked shelf'))).catch((e: unknown) => e)) as PublishError;
    expect([blocked.type, blocked.retryAfterMs]).toEqual(['rate_limit', 24 * 3_600_000]);

    fake.state.script(account.userId, { kind: 'renamed_field', field: 'price', label: locale === 'en_US' ? 'Asking price' : 'Precio de venta' });
    const renamed = (await publisher.publish(publishRequest(publishAccount(fake, account), listing('Renamed shelf'))).catch((e: unknown) => e)) as PublishError;
    expect([renamed.type, renamed.code]).toEqual(['ui_changed', 'MarketplaceForm.price']);
    expect(fake.state.listingsOf(account.userId)).toHaveLength(0);
  });

  it('finds a listing past the first pages of "Your listings", and a group post by its author, after an unknown outcome', async () => {
    const account = altAccount(2);
    const request = publishRequest(publishAccount(fake, account), listing(`Found later ${locale}`));
    const published = await publisher.publish(request);
    const [mine] = fake.state.listingsOf(account.userId);
    fake.state.listings.push(...Array.from({ length: 24 }, (_, i) => ({ ...mine!, id: `8${i}000`, title: `Newer listing ${i}` })));
    expect(await publisher.findExisting(afterUnknownOutcome(request))).toEqual({ providerPostId: published.providerPostId, permalink: published.permalink });

    const group = fake.state.addGroup({});
    const groupRequest = publishRequest(publishAccount(fake, account), { body: `Found later ${locale}\nSecond line` }, { channel: 'facebook_group', targetId: group.id, photos: 0 });
    const groupPost = await publisher.publish(groupRequest);
    expect(await publisher.findExisting(afterUnknownOutcome(groupRequest))).toEqual({ providerPostId: groupPost.providerPostId, permalink: groupPost.permalink });
  });

  it('checks the session and finds every field of a one-page and of a four-page form; names a renamed one', async () => {
    const onePage = publishAccount(fake, altAccount(0));
    expect(await publisher.checkBrowserSession(onePage, {})).toMatchObject({ valid: true });
    expect(await publisher.checkBrowserSession(onePage, { flow: 'marketplace' })).toMatchObject({ valid: true, flowCheck: { ok: true, missing: [] } });
    expect(await publisher.checkBrowserSession(publishAccount(fake, altAccount(3)), { flow: 'marketplace' })).toMatchObject({ flowCheck: { ok: true, missing: [] } });

    const renamed = altAccount(0);
    fake.state.script(renamed.userId, { kind: 'renamed_field', field: 'description', label: locale === 'en_US' ? 'About this item' : 'Acerca del artículo' });
    const check = await publisher.checkBrowserSession(publishAccount(fake, renamed), { flow: 'marketplace' });
    expect(check).toMatchObject({ valid: true, flowCheck: { ok: false, missing: ['MarketplaceForm.description'] } });
  });

  it('logs in through the login form (pnpm cli facebook-login --headless)', async () => {
    const account = altAccount(1, { email: `kayak-${locale}@example.test`, password: 'right password' });
    const stale = { cookies: fake.exportCookies({ ...account, xs: 'an-old-session-secret' }) };
    const saved = await logInToFacebook(settings(), { current: stale, email: account.email!, password: 'right password', timeoutMs: 20_000, say: () => undefined });
    const byName = Object.fromEntries(saved.storage_state.cookies.map((c) => [c.name, c.value]));
    expect(byName).toMatchObject({ c_user: account.userId, xs: account.xs });
  });
});
