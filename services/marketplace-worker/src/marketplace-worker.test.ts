import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { replaceAccountSession } from '@autoposter/db/repositories/accounts';
import { encryptJson } from '@autoposter/crypto';
import { createEngine } from '@autoposter/engine';
import type { Fault, FakeLocale } from '@autoposter/fake-facebook';
import { MarketplaceHarness } from './test/harness.ts';

// Real Chromium on a shared 2-core machine: a flow can take far longer than the suite's default.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let h: MarketplaceHarness;
beforeAll(async () => {
  h = await MarketplaceHarness.create();
});
afterEach(() => h.closeWorkers());
afterAll(() => h?.close());

const cookiesOf = (credentials: Record<string, unknown>) =>
  (credentials as { storage_state: { cookies: { name: string; value: string; domain: string }[] } }).storage_state.cookies;

describe('marketplace worker: real Chromium against the fake Facebook', () => {
  it('publishes a listing and a group post through the runtime, and keeps the refreshed session', async () => {
    const seller = await h.seedAccount('en_US');
    const group = h.fake.state.addGroup({});
    await h.startWorker();
    const listing = await h.queuePost(seller, { title: 'Walnut desk', photos: 2 });
    const groupPost = await h.queuePost(seller, { body: 'Walnut desk for sale\nDM me', groupId: group.id });

    const postedListing = await h.waitForStatus(listing.id, 'posted');
    const postedGroup = await h.waitForStatus(groupPost.id, 'posted');

    const [stored] = h.fake.state.listingsOf(seller.fakeAccount.userId);
    expect(stored).toMatchObject({ title: 'Walnut desk', price: '50.00', category: 'Furniture', location: 'Austin, Texas', photoCount: 2, boosted: false });
    expect(postedListing).toMatchObject({ providerPostId: stored!.id, permalink: `${h.fake.url}/marketplace/item/${stored!.id}/` });
    const [post] = h.fake.state.groupPosts.filter((p) => p.groupId === group.id);
    expect(post).toMatchObject({ text: 'Walnut desk for sale\nDM me', photoCount: 1, status: 'posted' });
    expect(postedGroup).toMatchObject({ providerPostId: post!.id, permalink: `${h.fake.url}/groups/${group.id}/posts/${post!.id}/` });

    const account = await h.account(seller.account.id);
    const cookies = cookiesOf(h.credentialsOf(account));
    expect(cookies.map((c) => c.name)).toEqual(expect.arrayContaining(['c_user', 'xs', 'fr']));
    expect(cookies.every((c) => c.domain === '.facebook.com')).toBe(true);
    expect(account.sessionUpdatedAt).toEqual(seller.account.sessionUpdatedAt);
  });

  it('posts a group post that waits for admin approval as posted, without a permalink', async () => {
    const seller = await h.seedAccount('es_LA');
    const group = h.fake.state.addGroup({ approval: true });
    await h.startWorker();
    const delivery = await h.queuePost(seller, { body: 'Bicicleta en venta', groupId: group.id, photos: 0 });
    const posted = await h.waitForStatus(delivery.id, 'posted');
    const [pending] = h.fake.state.groupPosts.filter((p) => p.groupId === group.id);
    expect(pending!.status).toBe('pending');
    expect(posted).toMatchObject({ providerPostId: pending!.id, permalink: null });
    expect((await h.logs(posted)).map((l) => l.message)).toContain('The group post is pending admin approval: it shows in the group once an admin approves it');
  });

  it("pauses a blocked account's other deliveries for the cooldown, not another account's", async () => {
    const blocked = await h.seedAccount('en_US');
    const other = await h.seedAccount('es_LA');
    h.fake.state.script(blocked.fakeAccount.userId, { kind: 'block' }, 1);
    await h.startWorker({ config: { concurrency: 3 } });
    const first = await h.queuePost(blocked, { title: 'Blocked one' });
    const second = await h.queuePost(blocked, { title: 'Blocked two' });
    const elsewhere = await h.queuePost(other, { title: 'Unaffected' });

    await h.waitForStatus(elsewhere.id, 'posted');
    const retrying = await h.until('the blocked delivery to retry', async () => {
      for (const d of [first, second]) {
        const row = await h.delivery(d.id);
        if (row.status === 'retrying') return row;
      }
      return null;
    });
    expect(retrying.lastErrorType).toBe('rate_limit');
    expect(retrying.lastErrorMessage).toMatch(/You're Going Too Fast/);
    const account = await h.account(blocked.account.id);
    const dayMs = 24 * 3_600_000;
    expect(account.cooldownUntil!.getTime()).toBeGreaterThan(Date.now() + dayMs - 120_000);
    expect(retrying.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + dayMs - 120_000);
    const health = (await h.events(blocked.userId)).filter((e) => e.type === 'account.health');
    expect(health.at(-1)!.data).toMatchObject({ account_id: blocked.account.id, health_status: 'warning' });

    const waiting = retrying.id === first.id ? second : first;
    const waitLine = await h.until('the other delivery to wait for the cooldown', async () =>
      (await h.logs(waiting)).find((l) => l.message.includes('the provider asked this account to pause')),
    );
    expect(waitLine.level).toBe('INFO');
    expect((await h.delivery(waiting.id)).status).toBe('queued');
    expect(h.fake.state.listingsOf(blocked.fakeAccount.userId)).toHaveLength(0);
  });

  it('fails an expired session once, holds the rest of that account until the session is updated, then posts them', async () => {
    const seller = await h.seedAccount('en_US');
    h.fake.state.script(seller.fakeAccount.userId, { kind: 'session_expired' });
    await h.startWorker({ config: { concurrency: 2 } });
    const first = await h.queuePost(seller, { title: 'Expired one' });
    const second = await h.queuePost(seller, { title: 'Expired two' });

    const failed = await h.until('one delivery to fail', async () => {
      for (const d of [first, second]) {
        const row = await h.delivery(d.id);
        if (row.status === 'failed') return row;
      }
      return null;
    });
    expect(failed.lastErrorType).toBe('session_expired');
    const held = failed.id === first.id ? second : first;
    await h.until('the other delivery to wait for a session', async () =>
      (await h.logs(held)).some((l) => l.message.includes("the account's session is invalid")),
    );
    expect((await h.delivery(held.id)).status).toBe('queued');
    expect((await h.account(seller.account.id)).sessionValid).toBe(false);
    const health = (await h.events(seller.userId)).filter((e) => e.type === 'account.health');
    expect(health.at(-1)!.data).toMatchObject({ account_id: seller.account.id, health_status: 'error', session_valid: false });

    // A person logs in again and sends the new cookies (what PUT /api/accounts/:id/session does).
    h.fake.state.clearFaults(seller.fakeAccount.userId);
    await replaceAccountSession(h.db.db, seller.userId, seller.account.id, encryptJson(h.keyring, { cookies: h.fake.exportCookies(seller.fakeAccount) }));
    const engine = createEngine({
      db: h.db.db,
      redis: h.redis.client,
      prefix: h.redis.prefix,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      settings: { maxAttempts: 3, horizonMs: 900_000, dispatchIntervalMs: 5_000, retentionDays: 90 },
    });
    expect(await engine.wakeAccountDeliveries(seller.userId, seller.account.id)).toBe(1);
    await engine.close();

    await h.waitForStatus(held.id, 'posted', 150_000);
    expect(h.fake.state.listingsOf(seller.fakeAccount.userId)).toHaveLength(1);
    expect((await h.delivery(failed.id)).status).toBe('failed');
  });

  it("holds a browser account that sets no limits to its kind's default gap between posts", async () => {
    const seller = await h.seedAccount('en_US');
    const pacing = { ...h.workerConfig().pacing, byKind: { facebook_browser: { dailyCap: 5, minGapSeconds: 3_600 } } };
    await h.startWorker({ config: { concurrency: 2, pacing } });
    const deliveries = [await h.queuePost(seller, { title: 'Paced one' }), await h.queuePost(seller, { title: 'Paced two' })];

    const posted = await h.until('one delivery to post', async () => {
      for (const d of deliveries) if ((await h.delivery(d.id)).status === 'posted') return d;
      return null;
    });
    const waiting = deliveries.find((d) => d !== posted)!;
    const line = await h.until('the other delivery to wait for the gap', async () =>
      (await h.logs(waiting)).find((l) => l.message.includes("the account's minimum gap between posts")),
    );
    expect(line.level).toBe('INFO');
    const until = Date.parse(/^Waiting until (\S+):/.exec(line.message)![1]!);
    expect(until).toBeGreaterThan(Date.now() + 3_600_000 - 120_000);
    expect((await h.delivery(waiting.id)).status).toBe('queued');
    expect(h.fake.state.listingsOf(seller.fakeAccount.userId)).toHaveLength(1);
  });

  it.each<[string, FakeLocale, Fault]>([
    ['an identity checkpoint', 'en_US', { kind: 'checkpoint' }],
    ['an identity checkpoint', 'es_LA', { kind: 'checkpoint' }],
    ['two-step verification', 'en_US', { kind: 'checkpoint', two_step: true }],
    ['two-step verification', 'es_LA', { kind: 'checkpoint', two_step: true }],
    ['a captcha over the page', 'en_US', { kind: 'captcha' }],
    ['a captcha over the page', 'es_LA', { kind: 'captcha' }],
  ])("fails %s (%s) once as captcha, never retried: the account's health is error and its other deliveries wait", async (_what, locale, fault) => {
    const seller = await h.seedAccount(locale);
    const group = h.fake.state.addGroup({});
    h.fake.state.script(seller.fakeAccount.userId, fault);
    await h.startWorker({ config: { concurrency: 2 } });
    const deliveries = [await h.queuePost(seller, { title: 'Checked one' }), await h.queuePost(seller, { body: 'Checked two', groupId: group.id, photos: 0 })];

    const failed = await h.until('one delivery to fail', async () => {
      for (const d of deliveries) {
        const row = await h.delivery(d.id);
        if (row.status === 'failed') return row;
      }
      return null;
    });
    expect(failed).toMatchObject({ lastErrorType: 'captcha', attemptCount: 1, nextAttemptAt: null });
    expect(failed.lastErrorMessage).toMatch(/checkpoint|security check|control de seguridad/i);
    const held = deliveries.find((d) => d.id !== failed.id)!;
    await h.until('the other delivery to wait for a session', async () =>
      (await h.logs(held)).some((l) => l.message.includes("the account's session is invalid")),
    );
    expect(await h.delivery(held.id)).toMatchObject({ status: 'queued', attemptCount: 0 });
    expect((await h.account(seller.account.id)).sessionValid).toBe(false);
    const health = (await h.events(seller.userId)).filter((e) => e.type === 'account.health');
    expect(health.at(-1)!.data).toMatchObject({ account_id: seller.account.id, health_status: 'error', session_valid: false });
    expect(await h.attempts(failed)).toHaveLength(1);
    expect(h.fake.state.listingsOf(seller.fakeAccount.userId)).toEqual([]);
    expect(h.fake.state.groupPosts.filter((p) => p.groupId === group.id)).toEqual([]);
  });

  it('runs two accounts in parallel, each with its own cookies', async () => {
    const alice = await h.seedAccount('en_US');
    const bruno = await h.seedAccount('es_LA');
    await h.startWorker({ config: { concurrency: 4 } });
    const requestsBefore = h.fake.state.requests.length;
    const deliveries = [
      await h.queuePost(alice, { title: 'Alice lamp' }),
      await h.queuePost(bruno, { title: 'Bruno lámpara' }),
      await h.queuePost(alice, { title: 'Alice chair' }),
      await h.queuePost(bruno, { title: 'Bruno silla' }),
    ];
    await Promise.all(deliveries.map((d) => h.waitForStatus(d.id, 'posted', 150_000)));

    expect(h.fake.state.listingsOf(alice.fakeAccount.userId).map((l) => l.title).sort()).toEqual(['Alice chair', 'Alice lamp']);
    expect(h.fake.state.listingsOf(bruno.fakeAccount.userId).map((l) => l.title).sort()).toEqual(['Bruno lámpara', 'Bruno silla']);
    const requests = h.fake.state.requests.slice(requestsBefore);
    expect(requests.length).toBeGreaterThan(8);
    expect(requests.every((r) => r.cookieUsers.length === 1)).toBe(true);
    expect(new Set(requests.map((r) => r.userId))).toEqual(new Set([alice.fakeAccount.userId, bruno.fakeAccount.userId]));
  });

  it('fails a changed form as ui_changed, naming the element, with a PNG of the page and its scrubbed HTML', async () => {
    const seller = await h.seedAccount('es_LA');
    h.fake.state.script(seller.fakeAccount.userId, { kind: 'renamed_field', field: 'title', label: 'Nombre del artículo' });
    await h.startWorker();
    const delivery = await h.queuePost(seller, { title: 'Mesa' });
    const failed = await h.waitForStatus(delivery.id, 'failed');
    expect(failed.lastErrorType).toBe('ui_changed');
    expect(failed.lastErrorMessage).toContain('MarketplaceForm.title');
    const [attempt] = await h.attempts(failed);
    expect(attempt!.attemptNo).toBe(1);
    const screenshot = await h.artifact(attempt!.screenshotArtifactId!);
    expect(screenshot.mime).toBe('image/png');
    expect(screenshot.data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const html = (await h.artifact(attempt!.pageHtmlArtifactId!)).data.toString('utf8');
    expect(html).toContain('Nombre del artículo');
    expect(html).not.toContain(seller.fakeAccount.xs);
  });
});
