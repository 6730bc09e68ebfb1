import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeFacebook, type FakeAccount, type FakeFacebook, type FakeLocale, type Layout } from '@autoposter/fake-facebook';
import { createFacebookBrowserPublisher, testBrowserSettings, type FacebookBrowserPublisher } from '@autoposter/facebook-browser';
import { createLogger } from '@autoposter/logger';
import { multipartForm, samplePng } from '@autoposter/media/test-samples';
import { createRedisConnection } from '@autoposter/queue';
import { eventually, testWorkerConfig } from '@autoposter/testing';
import { createPublishWorker, type PublishWorker } from '@autoposter/worker-runtime';
import { createTestApi, type TestApi } from '../test/test-app.ts';

/**
 * Browser deliveries through the gateway, end to end: HTTP -> Postgres -> BullMQ -> a real
 * marketplace worker driving Chromium against the fake Facebook over HTTP -> what the gateway
 * shows of it.
 */

// Real Chromium on a shared 2-core machine: a flow can take far longer than the suite's default.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let api: TestApi;
let fake: FakeFacebook;
let publisher: FacebookBrowserPublisher;
let worker: PublishWorker;
let connection: ReturnType<typeof createRedisConnection>;

beforeAll(async () => {
  [api, fake] = await Promise.all([createTestApi(), startFakeFacebook()]);
  publisher = createFacebookBrowserPublisher(testBrowserSettings({ baseUrl: fake.url, elementTimeoutMs: 3_000 }));
  connection = createRedisConnection(api.redis.url, 'worker');
  const base = testWorkerConfig();
  worker = createPublishWorker({
    queueName: 'marketplace',
    publisher,
    db: api.db.db,
    connection,
    prefix: api.config.redis.prefix,
    config: testWorkerConfig({ publishTimeoutMs: 120_000, media: { ...base.media, dir: api.config.media.dir } }),
    keyring: api.config.secrets,
    logger: createLogger({ service: 'marketplace-test', level: 'silent' }),
    workerId: 'marketplace-gateway-test',
  });
  await worker.worker.waitUntilReady();
});
afterAll(async () => {
  await worker?.close();
  connection?.disconnect();
  await publisher?.close();
  await fake?.close();
  await api?.close();
});

interface Seller {
  headers: { authorization: string };
  accountId: string;
  fakeAccount: FakeAccount;
}

/** A user and a browser account connected with the cookies an extension exported from the fake; no gap between posts. */
async function seller(locale: FakeLocale, layout: Layout | null = null): Promise<Seller> {
  const { token } = await api.register();
  const headers = api.auth(token);
  const fakeAccount = fake.state.addAccount({ locale, layout });
  const res = await api.app.inject({
    method: 'POST',
    url: '/api/accounts',
    headers,
    payload: { kind: 'facebook_browser', name: 'Seller', credentials: { cookies: fake.exportCookies(fakeAccount) }, limits: { min_gap_seconds: 0 } },
  });
  expect(res.statusCode).toBe(201);
  return { headers, accountId: res.json().id, fakeAccount };
}

async function photo(who: Seller): Promise<string> {
  const form = multipartForm({ filename: 'shelf.png', contentType: 'image/png', data: samplePng(60, 40) });
  const res = await api.app.inject({ method: 'POST', url: '/api/media', payload: form.payload, headers: { ...form.headers, ...who.headers } });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

/** Creates a post with one delivery and starts posting it; answers its post and delivery ids. */
async function publish(who: Seller, content: { title: string } | { groupId: string; body: string }): Promise<{ postId: string; deliveryId: string }> {
  const payload =
    'title' in content
      ? {
          title: content.title,
          body: 'Pine shelf, screws included',
          price: 85,
          category: 'Household',
          condition: 'Used - good',
          location: 'Austin, Texas',
          media_ids: [await photo(who)],
          targets: [{ channel: 'marketplace', account_id: who.accountId }],
        }
      : { body: content.body, targets: [{ channel: 'facebook_group', account_id: who.accountId, target_id: content.groupId }] };
  const created = await api.app.inject({ method: 'POST', url: '/api/posts', headers: who.headers, payload });
  expect(created.statusCode).toBe(201);
  const post = created.json();
  const started = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: who.headers, payload: { post_ids: [post.id] } });
  expect(started.statusCode).toBe(202);
  return { postId: post.id, deliveryId: post.deliveries[0].id };
}

const getJson = async (who: Seller, url: string) => (await api.app.inject({ url, headers: who.headers })).json();
const delivery = (who: Seller, id: string) => getJson(who, `/api/deliveries/${id}`);
const logs = async (who: Seller, id: string, level?: string) =>
  (await getJson(who, `/api/deliveries/${id}/logs${level ? `?level=${level}` : ''}`)).logs as { level: string; message: string }[];

const settled = (who: Seller, id: string, statuses: string[]) =>
  eventually(`delivery ${id} to be ${statuses.join('|')}`, async () => {
    const row = await delivery(who, id);
    return statuses.includes(row.status) ? row : undefined;
  }, 150_000, 250);

describe('browser deliveries through the gateway', () => {
  it("wakes the account's held deliveries when PUT /api/accounts/:id/session sends a new session", async () => {
    const who = await seller('en_US');
    const group = fake.state.addGroup({});
    fake.state.script(who.fakeAccount.userId, { kind: 'session_expired' });
    const first = await publish(who, { groupId: group.id, body: 'Kayak for sale' });
    const second = await publish(who, { groupId: group.id, body: 'Paddles for sale' });

    const failed = await eventually('one delivery to fail', async () => {
      for (const { deliveryId } of [first, second]) {
        const row = await delivery(who, deliveryId);
        if (row.status === 'failed') return row;
      }
      return undefined;
    }, 150_000, 250);
    expect(failed.last_error_type).toBe('session_expired');
    const held = failed.id === first.deliveryId ? second : first;
    await eventually('the other delivery to wait for a session', async () =>
      (await logs(who, held.deliveryId)).some((l) => l.message.includes("the account's session is invalid")),
    150_000, 250);
    expect((await delivery(who, held.deliveryId)).status).toBe('queued');

    // The person logs in again and sends the new cookies. Without the wake the held delivery
    // would look again only after SESSION_RECHECK_MS (10 minutes), far past this test's waits.
    fake.state.clearFaults(who.fakeAccount.userId);
    const put = await api.app.inject({ method: 'PUT', url: `/api/accounts/${who.accountId}/session`, headers: who.headers, payload: { cookies: fake.exportCookies(who.fakeAccount) } });
    expect(put.statusCode).toBe(200);
    const posted = await settled(who, held.deliveryId, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    expect(fake.state.groupPosts.filter((p) => p.groupId === group.id).map((p) => p.id)).toEqual([posted.provider_post_id]);
  });

  it("keeps a failed attempt's page as scrubbed HTML, linked from the attempt and the error log, sent only to its owner as a sandboxed download", async () => {
    const who = await seller('es_LA');
    fake.state.script(who.fakeAccount.userId, { kind: 'renamed_field', field: 'title', label: 'Nombre del artículo' });
    const { postId, deliveryId } = await publish(who, { title: 'Repisa de pino' });
    expect((await settled(who, deliveryId, ['failed', 'posted'])).last_error_type).toBe('ui_changed');

    const [attempt] = (await delivery(who, deliveryId)).attempts;
    expect(attempt).toMatchObject({ error_type: 'ui_changed', page_html_url: expect.stringMatching(/^\/api\/artifacts\/[0-9a-f-]{36}$/), screenshot_url: expect.stringMatching(/^\/api\/artifacts\//) });
    const [errorLog] = (await getJson(who, `/api/error-logs?post_id=${postId}`)).error_logs;
    expect(errorLog).toMatchObject({ delivery_id: deliveryId, page_html: attempt.page_html_url, screenshot: attempt.screenshot_url });

    const page = await api.app.inject({ url: attempt.page_html_url, headers: who.headers });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-disposition']).toMatch(/^attachment; filename="page-[0-9a-f-]+\.html"$/);
    expect(page.headers['content-security-policy']).toMatch(/(^|;\s*)sandbox(;|$)/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const html = page.body;
    expect(html).toContain('Nombre del artículo');
    expect(html).toContain('name="fb_dtsg" value="[redacted]"');
    expect(html).toContain('["DTSGInitialData",[],{"token":"[redacted]"},258]');
    for (const secret of [who.fakeAccount.formToken, who.fakeAccount.xs]) expect(html).not.toContain(secret);
    expect(html).not.toMatch(/name="(lsd|jazoest)" value="(?!\[redacted\])/);

    const stranger = await api.register();
    const theirs = await api.app.inject({ url: attempt.page_html_url, headers: api.auth(stranger.token) });
    expect([theirs.statusCode, theirs.json().code]).toEqual([404, 'not_found']);
  });

  // The second account sees the fake's alt layout: the notice is a status there, not an alert.
  it.each<[FakeLocale, Layout | null]>([
    ['en_US', null],
    ['es_LA', { name: 'alt', nextSteps: 1 }],
  ])("turns Facebook's duplicate-listing notice into a WARNING line of the delivery's log (%s)", async (locale, layout) => {
    const who = await seller(locale, layout);
    const original = await publish(who, { title: `Pine shelf ${locale}` });
    await settled(who, original.deliveryId, ['posted']);
    const again = await publish(who, { title: `Pine shelf ${locale}` });
    await settled(who, again.deliveryId, ['posted']);

    expect(await logs(who, original.deliveryId, 'WARNING')).toEqual([]);
    const warnings = await logs(who, again.deliveryId, 'WARNING');
    const notice = locale === 'en_US' ? 'This listing looks like one you already posted' : 'Esta publicación se parece a una que ya publicaste';
    expect(warnings).toEqual([expect.objectContaining({ level: 'WARNING', message: expect.stringMatching(new RegExp(`may be a duplicate: ".*${notice}`)) })]);
    expect(fake.state.listingsOf(who.fakeAccount.userId)).toHaveLength(2);
  });
});
