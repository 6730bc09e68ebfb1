import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sampleJpeg } from '@autoposter/media/test-samples';
import { MetaHarness } from './test/meta-harness.ts';

let h: MetaHarness;
beforeAll(async () => {
  h = await MetaHarness.create();
});
afterEach(async () => {
  await h.closeWorkers();
  h.graph.control.faults.clear();
  h.graph.control.configure({ containerDelayMs: 40, quotaTotal: 100 });
});
afterAll(() => h.close());

const jpeg = () => ({ mime: 'image/jpeg', body: sampleJpeg(1080, 1080), width: 1080, height: 1080 });

describe('meta worker: a write that landed although its answer was lost is published once', () => {
  it.each([
    ['a 500 after the unpublished post was created', /\/feed$/, 'error_after_commit'],
    ['a dropped connection after the unpublished post was created', /\/feed$/, 'drop_after_commit'],
    ['a 500 after is_published was applied', /^\/\d+_\d+$/, 'error_after_commit'],
    ['a dropped connection after is_published was applied', /^\/\d+_\d+$/, 'drop_after_commit'],
  ] as const)('Page: %s', async (_name, path, kind) => {
    const { account, page } = await h.pageAccount();
    h.graph.control.fault({ method: 'POST', path, fault: { kind } });
    const delivery = await h.deliver(account, 'facebook_page', { body: `Once only ${kind} ${String(path)}` });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    const published = h.graph.control.store.publishedPagePosts(page.pageId);
    expect(published).toHaveLength(1);
    expect([...h.graph.control.store.posts.values()].filter((post) => post.pageId === page.pageId)).toHaveLength(1);
    expect(posted.providerPostId).toBe(published[0]!.id);
    const attempts = await h.attempts(posted);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['retrying', 'posted']);
    expect(attempts[0]).toMatchObject({ outcomeUnknown: true });
    expect((await h.logs(posted)).map((line) => line.message)).toContain('Adopted existing post: an earlier attempt had published it');
  });

  it.each(['error_after_commit', 'drop_after_commit'] as const)('Instagram: %s on media_publish', async (kind) => {
    const { account, igUserId, userId } = await h.instagramAccount();
    const photo = await h.addMedia(userId, jpeg());
    h.graph.control.fault({ method: 'POST', path: /\/media_publish$/, fault: { kind } });
    const delivery = await h.deliver(account, 'instagram', { body: `IG once ${kind}`, mediaIds: [photo.id] });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    const media = h.graph.control.store.publishedIgMedia(igUserId);
    expect(media).toHaveLength(1);
    expect(posted).toMatchObject({ status: 'posted', providerPostId: media[0]!.id, permalink: media[0]!.permalink });
    expect(h.graph.control.store.calls.filter((call) => call.path === `/${igUserId}/media_publish`)).toHaveLength(1);
  });
});

describe('meta worker: cancel fence on a Page', () => {
  it('never publishes a Page post canceled before is_published, and deletes its unpublished draft', async () => {
    const { account, page } = await h.pageAccount();
    // The unpublished post is created slowly: the cancel comes meanwhile.
    h.graph.control.fault({ method: 'POST', path: /\/feed$/, fault: { kind: 'slow', ms: 1_500 } });
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Canceled before publishing' });
    await h.startWorker();
    await h.waitFor('the unpublished post', () => [...h.graph.control.store.posts.values()].some((p) => p.pageId === page.pageId));
    await h.db.pool.query(`update deliveries set cancel_requested_at = now() where id = $1 and status = 'processing'`, [delivery.id]);
    const canceled = await h.waitForStatus(delivery.id, ['canceled', 'posted', 'failed']);
    expect(canceled.status).toBe('canceled');
    expect([...h.graph.control.store.posts.values()].filter((p) => p.pageId === page.pageId)).toHaveLength(0);
    expect(h.graph.control.store.calls.filter((call) => call.method === 'POST' && call.path.startsWith(`/${page.pageId}_`))).toHaveLength(0);
  });
});

describe('meta worker: throttling', () => {
  it.each([
    [613, 1996],
    [80001, undefined],
  ])('waits what the usage headers ask after (#%s), then publishes', async (code, subcode) => {
    const { account, page } = await h.pageAccount();
    h.graph.control.fault({
      method: 'POST',
      path: /\/feed$/,
      fault: {
        kind: 'error',
        error: { code, ...(subcode ? { subcode } : {}), message: 'There have been too many calls from this account. Wait a bit and try again.' },
        usage: { business: { [page.pageId]: { percent: 100, etaMinutes: 7 } } },
      },
    });
    const delivery = await h.deliver(account, 'facebook_page', { body: `Throttled ${code}` });
    const started = Date.now();
    await h.startWorker();
    const waiting = await h.waitForStatus(delivery.id, ['retrying', 'failed', 'posted']);
    expect(waiting).toMatchObject({ status: 'retrying', lastErrorType: 'rate_limit' });
    expect(waiting.lastErrorMessage).toContain(`(#${code}`);
    const waitedMs = waiting.nextAttemptAt!.getTime() - started;
    expect(waitedMs).toBeGreaterThanOrEqual(7 * 60_000 - 1_000);
    expect(waitedMs).toBeLessThan(7 * 60_000 + 60_000);
    const { rows } = await h.db.pool.query('select cooldown_until from accounts where id = $1', [account.id]);
    expect(Math.abs(rows[0].cooldown_until.getTime() - waiting.nextAttemptAt!.getTime())).toBeLessThan(5_000);
    expect(h.graph.control.store.publishedPagePosts(page.pageId)).toHaveLength(0);

    await h.skipWait(waiting); // the seven minutes pass
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    expect(h.graph.control.store.publishedPagePosts(page.pageId)).toHaveLength(1);
  });

  it('paces an account out once its usage headers pass GRAPH_USAGE_SLOWDOWN, before Meta refuses', async () => {
    const { account, page } = await h.pageAccount();
    h.graph.control.usage = { business: { [page.pageId]: { percent: 95 } } };
    try {
      const first = await h.deliver(account, 'facebook_page', { body: 'First at 95%' });
      await h.startWorker({ env: { GRAPH_USAGE_SLOWDOWN: '90' } });
      await h.waitForStatus(first.id, ['posted', 'failed']);
      const second = await h.deliver(account, 'facebook_page', { body: 'Second, paced' });
      await h.waitFor('the second delivery to be deferred', async () => (await h.attempts({ id: second.id, userId: second.userId })).some((a) => a.outcome === 'deferred'));
      const waiting = await h.delivery(second.id);
      expect(waiting).toMatchObject({ status: 'queued', attemptCount: 1 });
      expect(waiting.dueAt!.getTime()).toBeGreaterThan(Date.now() + 60_000);
      expect(h.graph.control.store.publishedPagePosts(page.pageId)).toHaveLength(1);
    } finally {
      h.graph.control.usage = {};
    }
  });
});

describe('meta worker: accounts and quota', () => {
  it('fails a revoked token at once, without retrying, and marks the account', async () => {
    const { account, page } = await h.pageAccount();
    h.graph.control.store.tokens.get(page.pageToken)!.revoked = true;
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Never' });
    await h.startWorker();
    const failed = await h.waitForStatus(delivery.id, ['failed', 'posted', 'retrying']);
    expect(failed).toMatchObject({ status: 'failed', lastErrorType: 'invalid_token', attemptCount: 1 });
    expect(failed.lastErrorMessage).toMatch(/^\(#190\/460\) Error validating access token/);
    const { rows } = await h.db.pool.query('select session_valid, session_message from accounts where id = $1', [account.id]);
    expect(rows[0]).toMatchObject({ session_valid: false, session_message: expect.stringContaining('#190') });
  });

  it('delays a delivery while the Instagram quota is full (no attempt used), then publishes when the window frees', async () => {
    const { account, igUserId, userId } = await h.instagramAccount();
    h.graph.control.configure({ quotaTotal: 1 });
    // A publication 23 hours ago fills the window for one more hour.
    const earlier = new Date(Date.now() - 23 * 3_600_000);
    h.graph.control.store.publishTimes.set(igUserId, [earlier]);
    h.graph.control.store.igMedia.set('earlier', { id: 'earlier', igUserId, containerId: 'none', mediaType: 'IMAGE', caption: 'yesterday', altText: null, timestamp: earlier, permalink: 'https://www.instagram.com/p/earlier/' });
    const photo = await h.addMedia(userId, jpeg());
    const delivery = await h.deliver(account, 'instagram', { body: 'After the window', mediaIds: [photo.id] });
    await h.startWorker({ env: { RETRY_MAX_ATTEMPTS: '1' } });

    await h.waitFor('the quota deferral', async () => (await h.attempts({ id: delivery.id, userId })).some((a) => a.outcome === 'deferred'));
    const waiting = await h.waitForStatus(delivery.id, ['queued']);
    // Due when the publication of 23 hours ago leaves the rolling 24 h window.
    expect(Math.abs(waiting.dueAt!.getTime() - (earlier.getTime() + 86_400_000))).toBeLessThan(5_000);
    expect((await h.db.pool.query('select cooldown_until from accounts where id = $1', [account.id])).rows[0].cooldown_until).toEqual(waiting.dueAt);
    expect([...h.graph.control.store.containers.values()].some((c) => c.igUserId === igUserId)).toBe(false);
    expect((await h.logs(waiting)).map((line) => line.message).join('\n')).toContain('the Instagram publishing quota is used (1 of 1 posts in 24 hours) (no attempt used)');

    // The hour passes: the old publication leaves the window.
    h.graph.control.store.publishTimes.set(igUserId, []);
    await h.skipWait(waiting);
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed'], 20_000);
    expect(posted.status).toBe('posted');
    const attempts = await h.attempts(posted);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['deferred', 'posted']);
  });

  it('never publishes a post canceled while its Instagram container processes', async () => {
    const { account, igUserId, userId } = await h.instagramAccount();
    h.graph.control.configure({ containerDelayMs: 5_000 });
    const photo = await h.addMedia(userId, jpeg());
    const delivery = await h.deliver(account, 'instagram', { body: 'Canceled meanwhile', mediaIds: [photo.id] });
    await h.startWorker();
    await h.waitFor('the container', () => [...h.graph.control.store.containers.values()].some((c) => c.igUserId === igUserId));
    // What the gateway does when the schedule is canceled while a worker holds the delivery.
    const requested = await h.db.pool.query(`update deliveries set cancel_requested_at = now() where id = $1 and status = 'processing'`, [delivery.id]);
    expect(requested.rowCount).toBe(1);

    const canceled = await h.waitForStatus(delivery.id, ['canceled', 'posted', 'failed']);
    expect(canceled.status).toBe('canceled');
    // The container may finish after the cancel was seen (a loaded machine): nothing publishes it then either.
    const container = [...h.graph.control.store.containers.values()].find((c) => c.igUserId === igUserId)!;
    await h.waitFor('the container to finish', () => container.statusCode === 'FINISHED');
    expect(h.graph.control.store.publishedIgMedia(igUserId)).toHaveLength(0);
    expect(h.graph.control.store.calls.filter((call) => call.path === `/${igUserId}/media_publish`)).toHaveLength(0);
  });
});
