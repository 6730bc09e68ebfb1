import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GraphErrorSpec } from '@autoposter/fake-graph';
import { sampleJpeg, sampleMp4 } from '@autoposter/media/test-samples';
import { MetaHarness, type MediaFile } from './test/meta-harness.ts';

// One fake and one worker for the whole file: each test uses accounts of its own.
let h: MetaHarness;
beforeAll(async () => {
  h = await MetaHarness.create();
  await h.startWorker();
});
afterEach(() => {
  h.graph.control.faults.clear();
  h.graph.control.configure({ containerDelayMs: 40, quotaTotal: 100 });
  h.graph.control.usage = {};
});
afterAll(() => h.close());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
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
    await h.waitFor('the unpublished post', () => [...h.graph.control.store.posts.values()].some((p) => p.pageId === page.pageId));
    await h.db.pool.query(`update deliveries set cancel_requested_at = now() where id = $1 and status = 'processing'`, [delivery.id]);
    const canceled = await h.waitForStatus(delivery.id, ['canceled', 'posted', 'failed']);
    expect(canceled.status).toBe('canceled');
    expect([...h.graph.control.store.posts.values()].filter((p) => p.pageId === page.pageId)).toHaveLength(0);
    expect(h.graph.control.store.calls.filter((call) => call.method === 'POST' && call.path.startsWith(`/${page.pageId}_`))).toHaveLength(0);
  });

  it('never publishes a Page video canceled before it is published, and deletes the unpublished upload', async () => {
    const { account, page, userId } = await h.pageAccount();
    const video = await h.addMedia(userId, { mime: 'video/mp4', body: sampleMp4(256) });
    h.graph.control.fault({ method: 'POST', path: `^/${page.pageId}/videos$`, fault: { kind: 'slow', ms: 1_500 } });
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Video canceled before publishing', videoMediaId: video.id });
    const videos = () => [...h.graph.control.store.videos.values()].filter((v) => v.pageId === page.pageId);
    await h.waitFor('the unpublished video', () => videos().length > 0);
    const [uploaded] = videos();
    await h.db.pool.query(`update deliveries set cancel_requested_at = now() where id = $1 and status = 'processing'`, [delivery.id]);
    const canceled = await h.waitForStatus(delivery.id, ['canceled', 'posted', 'failed']);
    expect(canceled.status).toBe('canceled');
    expect(videos()).toHaveLength(0);
    expect(h.graph.control.store.calls.filter((call) => call.method === 'POST' && call.path === `/${uploaded!.id}`)).toHaveLength(0);
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
    // GRAPH_USAGE_SLOWDOWN is 90 (the default).
    const first = await h.deliver(account, 'facebook_page', { body: 'First at 95%' });
    await h.waitForStatus(first.id, ['posted', 'failed']);
    const second = await h.deliver(account, 'facebook_page', { body: 'Second, paced' });
    await h.waitFor('the second delivery to be deferred', async () => (await h.attempts({ id: second.id, userId: second.userId })).some((a) => a.outcome === 'deferred'));
    const waiting = await h.delivery(second.id);
    expect(waiting).toMatchObject({ status: 'queued', attemptCount: 1 });
    expect(waiting.dueAt!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect(h.graph.control.store.publishedPagePosts(page.pageId)).toHaveLength(1);
  });
});

describe('meta worker: usage readings are the account\'s, whatever object a call names', () => {
  it.each([
    ['a Page: is_published (POST /{post-id}) and the permalink read', 'page'],
    ['Instagram: the container polls (GET /{container-id}) and the permalink read (GET /{media-id})', 'instagram'],
  ] as const)('paces the account out after high usage on %s', async (_name, kind) => {
    const target =
      kind === 'page'
        ? await h.pageAccount().then(({ account, page }) => ({ account, objectId: page.pageId, path: `^/${page.pageId}_\\d+$`, method: undefined, usage: { page: 95 } }))
        : await h.instagramAccount().then(({ account, igUserId }) => ({ account, objectId: igUserId, path: '^/\\d+$', method: 'GET', usage: { app: 95 } }));
    const userId = target.account.userId;
    const photo = await h.addMedia(userId, jpeg());
    const post = (body: string) => h.deliver(target.account, kind === 'page' ? 'facebook_page' : 'instagram', { body, mediaIds: kind === 'page' ? [] : [photo.id] });
    // Only calls on objects other than the account report high usage.
    h.graph.control.fault({ ...(target.method ? { method: target.method } : {}), path: target.path, times: 100, fault: { kind: 'usage', usage: target.usage } });

    const first = await h.waitForStatus((await post('At 95% on other objects')).id, ['posted', 'failed']);
    expect(first.status).toBe('posted');
    const second = await post('Paced');
    await h.waitFor('the second delivery to be deferred', async () => (await h.attempts({ id: second.id, userId })).some((a) => a.outcome === 'deferred'));
    const waiting = await h.delivery(second.id);
    expect(waiting.dueAt!.getTime()).toBeGreaterThan(Date.now() + 4 * MINUTE);
    // Kept in Redis, where every replica reads it, until the wait is over.
    const ttl = await h.redis.client.pttl(`${h.redis.prefix}:meta:usage:${target.objectId}`);
    expect(ttl).toBeGreaterThan(4 * MINUTE);
    expect(ttl).toBeLessThanOrEqual(5 * MINUTE);
  });
});

describe('meta worker: accounts and quota', () => {
  it('fails a revoked token at once, without retrying, and marks the account', async () => {
    const { account, page } = await h.pageAccount();
    h.graph.control.store.tokens.get(page.pageToken)!.revoked = true;
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Never' });
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
    h.seedInstagramPublication(igUserId, earlier);
    const photo = await h.addMedia(userId, jpeg());
    const delivery = await h.deliver(account, 'instagram', { body: 'After the window', mediaIds: [photo.id] });

    await h.waitFor('the quota deferral', async () => (await h.attempts({ id: delivery.id, userId })).some((a) => a.outcome === 'deferred'));
    const waiting = await h.waitForStatus(delivery.id, ['queued']);
    expect(waiting.attemptCount - waiting.attemptsBeforeRun).toBe(0); // no attempt of the run used
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

type Health = 'healthy' | 'warning' | 'error';
type ErrorType = 'provider_unavailable' | 'rate_limit' | 'invalid_token' | 'permission_denied' | 'validation_error' | 'duplicate';
type Call = 'page feed' | 'ig container' | 'ig publish';

/** One row of the issue's classification table, as Meta answers it to one call of a delivery. */
interface ClassificationRow {
  name: string;
  call: Call;
  error: GraphErrorSpec;
  /** Usage headers of the refusal, for the account (Business Use Case) or the app. */
  usage?: { etaMinutes?: number; app?: number };
  /**
   * retried: at once (RETRY_DELAYS), then published; waited: the next attempt only after
   * `waitMs`; deferred: due again after `waitMs`, no attempt of the run used; failed: no retry.
   */
  end: 'retried' | 'waited' | 'deferred' | 'failed';
  type?: ErrorType;
  waitMs?: number;
  health: Health;
}

const temporary = (name: string, call: Call, error: GraphErrorSpec): ClassificationRow => ({ name, call, error, end: 'retried', type: 'provider_unavailable', health: 'healthy' });
const throttled = (name: string, error: GraphErrorSpec, usage: ClassificationRow['usage'], waitMs: number): ClassificationRow => ({
  name,
  call: 'page feed',
  error,
  usage,
  end: 'waited',
  type: 'rate_limit',
  waitMs,
  health: 'warning',
});
const permanent = (name: string, error: GraphErrorSpec, type: ErrorType, health: Health = 'healthy'): ClassificationRow => ({ name, call: 'page feed', error, end: 'failed', type, health });
/** The seeded publication of 23 hours ago leaves the rolling 24 h window in an hour. */
const QUOTA_FREES_MS = HOUR;

const classificationRows: ClassificationRow[] = [
  temporary('1: temporary', 'page feed', { code: 1, message: 'An unknown error occurred' }),
  temporary('2: temporary (HTTP 500)', 'page feed', { status: 500, code: 2, message: 'An unexpected error has occurred. Please retry your request later.' }),
  temporary('HTTP 503 with an unlisted code: temporary', 'page feed', { status: 503, code: 9999, message: 'Service temporarily unavailable' }),
  temporary('is_transient: temporary', 'page feed', { code: 9000, isTransient: true, message: 'Please retry later' }),
  temporary('IG 2207001: temporary', 'ig container', { code: -1, subcode: 2207001, message: 'Instagram server error' }),
  temporary('IG 2207003: temporary', 'ig container', { code: -2, subcode: 2207003, message: 'It takes too long to download the media' }),
  temporary('IG 2207052: temporary', 'ig container', { code: 9004, subcode: 2207052, message: 'The media could not be fetched from this URI' }),
  throttled('4 with X-App-Usage at 100%: waits the rolling hour', { code: 4, message: '(#4) Application request limit reached' }, { app: 100 }, HOUR),
  throttled('17: waits the estimate', { code: 17, message: '(#17) User request limit reached' }, { etaMinutes: 3 }, 3 * MINUTE),
  throttled('32: waits the estimate', { code: 32, message: '(#32) Page request limit reached' }, { etaMinutes: 4 }, 4 * MINUTE),
  throttled('341: waits the estimate', { code: 341, message: '(#341) Application limit reached' }, { etaMinutes: 5 }, 5 * MINUTE),
  throttled('613/1996: waits the estimate', { code: 613, subcode: 1996, message: 'Calls to this api have exceeded the rate limit.' }, { etaMinutes: 6 }, 6 * MINUTE),
  throttled('80001: waits the estimate', { code: 80001, message: 'There have been too many calls to this Page account.' }, { etaMinutes: 7 }, 7 * MINUTE),
  throttled('368: waits hours, whatever the estimate', { code: 368, message: 'The action attempted has been deemed abusive or is otherwise disallowed' }, { etaMinutes: 2 }, 6 * HOUR),
  { name: 'IG 9/2207042 on media_publish: waits for the window', call: 'ig publish', error: { code: 9, subcode: 2207042, message: '(#9) Application request limit reached' }, end: 'deferred', waitMs: QUOTA_FREES_MS, health: 'warning' },
  { name: 'IG 9 on creating the container: waits for the window too', call: 'ig container', error: { code: 9, message: '(#9) Application request limit reached' }, end: 'deferred', waitMs: QUOTA_FREES_MS, health: 'warning' },
  ...[undefined, 458, 459, 460, 463, 464, 467, 492].map((subcode) =>
    permanent(`190${subcode ? `/${subcode}` : ''}: invalid token`, { code: 190, ...(subcode ? { subcode } : {}), message: 'Error validating access token' }, 'invalid_token', 'error'),
  ),
  permanent('102: invalid token', { code: 102, message: 'Session key invalid or no longer valid' }, 'invalid_token', 'error'),
  permanent('10: permission denied', { code: 10, message: '(#10) Application does not have permission for this action' }, 'permission_denied'),
  permanent('200: permission denied', { code: 200, message: '(#200) Permissions error' }, 'permission_denied'),
  permanent('100: validation error', { code: 100, message: '(#100) Invalid parameter' }, 'validation_error'),
  permanent('506: duplicate', { code: 506, message: '(#506) Duplicate status message' }, 'duplicate'),
];

/** An account of the row's kind, a delivery to it, and the Graph path of the call the row refuses. */
async function deliveryFor(call: Call, body: string) {
  if (call === 'page feed') {
    const { account, page } = await h.pageAccount();
    return { account, objectId: page.pageId, path: new RegExp(`^/${page.pageId}/feed$`), delivery: () => h.deliver(account, 'facebook_page', { body }) };
  }
  const { account, igUserId, userId } = await h.instagramAccount();
  const photo = await h.addMedia(userId, jpeg());
  const edge = call === 'ig container' ? 'media' : 'media_publish';
  return { account, objectId: igUserId, path: new RegExp(`^/${igUserId}/${edge}$`), delivery: () => h.deliver(account, 'instagram', { body, mediaIds: [photo.id] }) };
}

const errorCode = (error: GraphErrorSpec) => `${error.code}${error.subcode ? `/${error.subcode}` : ''}`;

describe('meta worker: each classification row, as Meta answers it, through the worker', () => {
  it.each(classificationRows)('$name', async (row) => {
    const target = await deliveryFor(row.call, `Row ${row.name}`);
    if (row.end === 'deferred') h.seedInstagramPublication(target.objectId, new Date(Date.now() - 24 * HOUR + QUOTA_FREES_MS));
    const usage = row.usage && { ...(row.usage.app ? { app: row.usage.app } : {}), business: { [target.objectId]: { percent: 100, etaMinutes: row.usage.etaMinutes ?? 0 } } };
    h.graph.control.fault({ method: 'POST', path: target.path, fault: { kind: 'error', error: row.error, ...(usage ? { usage } : {}) } });
    const delivery = await target.delivery();
    const who = { id: delivery.id, userId: delivery.userId };

    await h.waitFor('the first attempt to end', async () => ((await h.attempts(who))[0]?.outcome ?? 'running') !== 'running');
    const [first] = await h.attempts(who);
    const afterFirst = await h.delivery(delivery.id);
    expect(await h.health(target.account)).toBe(row.health);
    const { cooldownUntil } = await h.account(target.account);

    if (row.end === 'deferred') {
      expect(first).toMatchObject({ outcome: 'deferred', errorType: null });
      expect(afterFirst).toMatchObject({ status: 'queued' });
      expect(afterFirst.attemptCount - afterFirst.attemptsBeforeRun).toBe(0);
      expect(Math.abs(afterFirst.dueAt!.getTime() - (first!.finishedAt!.getTime() + row.waitMs!))).toBeLessThan(10_000);
      expect(cooldownUntil).toEqual(afterFirst.dueAt);
    } else {
      expect(first).toMatchObject({ errorType: row.type, errorCode: errorCode(row.error) });
      expect(first!.errorMessage).toContain(`(#${errorCode(row.error)})`);
    }
    if (row.end === 'failed') {
      expect(first!.outcome).toBe('failed');
      expect(afterFirst).toMatchObject({ status: 'failed', attemptCount: 1 });
      expect(cooldownUntil).toBeNull();
      return;
    }
    if (row.end === 'waited') {
      expect(afterFirst.status).toBe('retrying');
      expect(Math.abs(afterFirst.nextAttemptAt!.getTime() - (first!.finishedAt!.getTime() + row.waitMs!))).toBeLessThan(10_000);
      expect(Math.abs(cooldownUntil!.getTime() - afterFirst.nextAttemptAt!.getTime())).toBeLessThan(5_000);
    }
    if (row.end === 'retried') expect(cooldownUntil).toBeNull();
    if (row.end !== 'retried') await h.skipWait(afterFirst); // the wait passes

    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status, posted.lastErrorMessage ?? '').toBe('posted');
    const attempts = await h.attempts(who);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual([first!.outcome, 'posted']);
    if (row.end === 'retried') expect(attempts[1]!.startedAt.getTime() - first!.finishedAt!.getTime()).toBeLessThan(10_000);
    const publications = row.call === 'page feed' ? h.graph.control.store.publishedPagePosts(target.objectId) : h.graph.control.store.publishedIgMedia(target.objectId).filter((m) => m.containerId !== 'none');
    expect(publications).toHaveLength(1);
  });
});

describe('meta worker: Instagram containers', () => {
  /** An Instagram account and a way to deliver a photo post to it (scripts go in between). */
  const instagramTarget = async (file: MediaFile = jpeg()) => {
    const { account, igUserId, userId } = await h.instagramAccount();
    const photo = await h.addMedia(userId, file);
    return { igUserId, deliver: (body: string) => h.deliver(account, 'instagram', { body, mediaIds: [photo.id] }) };
  };
  const containersOf = (igUserId: string) => [...h.graph.control.store.containers.values()].filter((c) => c.igUserId === igUserId);
  const publishCalls = (igUserId: string) => h.graph.control.store.calls.filter((call) => call.path === `/${igUserId}/media_publish`);
  const messages = async (delivery: { id: string; userId: string }) => (await h.logs(delivery)).map((line) => line.message);

  it('keeps polling while media_publish answers 9007/2207027 (not ready), in the same attempt', async () => {
    const { igUserId, deliver } = await instagramTarget();
    h.graph.control.fault({ method: 'POST', path: `^/${igUserId}/media_publish$`, times: 2, fault: { kind: 'error', error: { code: 9007, subcode: 2207027, message: 'Media ID is not available' } } });
    const delivery = await deliver('Not ready yet');
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    expect((await h.attempts(posted)).map((attempt) => attempt.outcome)).toEqual(['posted']);
    expect(publishCalls(igUserId)).toHaveLength(3);
    expect(containersOf(igUserId)).toHaveLength(1);
  });

  it.each([2207008, 2207020])('makes a new container when media_publish answers %s (expired), in the same attempt', async (subcode) => {
    const { igUserId, deliver } = await instagramTarget();
    h.graph.control.fault({ method: 'POST', path: `^/${igUserId}/media_publish$`, fault: { kind: 'error', error: { code: 100, subcode, message: 'The media container has expired' } } });
    const delivery = await deliver(`Expired ${subcode}`);
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    const [first, second] = containersOf(igUserId);
    expect(h.graph.control.store.publishedIgMedia(igUserId)).toEqual([expect.objectContaining({ id: posted.providerPostId, containerId: second!.id })]);
    expect(first!.statusCode).toBe('FINISHED');
    const [attempt] = await h.attempts(posted);
    expect(attempt).toMatchObject({ outcome: 'posted', providerState: expect.objectContaining({ creation_id: second!.id }) });
  });

  it('makes a new container when the saved one EXPIRED while the delivery waited', async () => {
    const { igUserId, deliver } = await instagramTarget();
    h.graph.control.fault({ method: 'POST', path: `^/${igUserId}/media_publish$`, fault: { kind: 'error', error: { code: 4, message: '(#4) Application request limit reached' } } });
    const delivery = await deliver('Saved container expires');
    const waiting = await h.waitForStatus(delivery.id, ['retrying', 'failed', 'posted']);
    expect(waiting.status).toBe('retrying');
    const [saved] = containersOf(igUserId);
    h.graph.control.api.expireContainer(saved!.id);
    await h.skipWait(waiting);
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    const containers = containersOf(igUserId);
    expect(containers.map((c) => c.statusCode)).toEqual(['EXPIRED', 'PUBLISHED']);
    expect(await messages(posted)).toContain('The saved container is EXPIRED: making a new one');
  });

  it('makes a new container when the saved one ended in ERROR (Meta could not fetch the image: 2207052)', async () => {
    const { igUserId, deliver } = await instagramTarget({ ...jpeg(), failFetches: 1 });
    const delivery = await deliver('Fetched on the second try');
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status, posted.lastErrorMessage ?? '').toBe('posted');
    const [first] = await h.attempts(posted);
    expect(first).toMatchObject({ outcome: 'retrying', errorType: 'provider_unavailable', errorCode: '2207052' });
    expect(containersOf(igUserId).map((c) => c.statusCode)).toEqual(['ERROR', 'PUBLISHED']);
    expect(await messages(posted)).toContain('The saved container is ERROR: making a new one');
  });

  /** A container an earlier attempt made at `madeAt` and published a minute later, as Instagram keeps it. */
  const publishedContainer = (igUserId: string, caption: string, madeAt: Date) => {
    const { store } = h.graph.control;
    const [containerId, mediaId] = [store.newId(), store.newId()];
    const timestamp = new Date(madeAt.getTime() + MINUTE);
    store.containers.set(containerId, {
      id: containerId,
      igUserId,
      mediaType: 'IMAGE',
      isCarouselItem: false,
      imageUrl: 'https://example.com/earlier.jpg',
      videoUrl: null,
      caption,
      altText: null,
      children: [],
      statusCode: 'PUBLISHED',
      status: 'Published: Media has been published',
      createdTime: madeAt,
      mediaId,
    });
    store.igMedia.set(mediaId, { id: mediaId, igUserId, containerId, mediaType: 'IMAGE', caption, altText: null, timestamp, permalink: `https://www.instagram.com/p/${mediaId}/` });
    store.publishTimes.set(igUserId, [...(store.publishTimes.get(igUserId) ?? []), timestamp]);
    return { containerId, mediaId };
  };

  it('adopts a saved container published long before the retry, searching from when the container was made', async () => {
    const { account, igUserId, userId } = await h.instagramAccount();
    const photo = await h.addMedia(userId, jpeg());
    const madeAt = new Date(Date.now() - 10 * MINUTE);
    const body = 'Published ten minutes ago';
    const { containerId, mediaId } = publishedContainer(igUserId, body, madeAt);
    const delivery = await h.deliver(account, 'instagram', { body, mediaIds: [photo.id] }, { earlierAttempt: { startedAt: madeAt, providerState: { creation_id: containerId, created_at: madeAt.toISOString() } } });
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed', 'retrying']);
    expect(posted, posted.lastErrorMessage ?? '').toMatchObject({ status: 'posted', providerPostId: mediaId });
    expect(containersOf(igUserId)).toHaveLength(1);
    expect(publishCalls(igUserId)).toHaveLength(0);
  });

  it('adopts the media media_publish answered with (saved), not a later one with the same caption', async () => {
    const { account, igUserId, userId } = await h.instagramAccount();
    const photo = await h.addMedia(userId, jpeg());
    const body = 'Same words twice';
    const ours = publishedContainer(igUserId, body, new Date(Date.now() - 10 * MINUTE));
    publishedContainer(igUserId, body, new Date(Date.now() - 5 * MINUTE));
    const providerState = { creation_id: ours.containerId, created_at: new Date(Date.now() - 10 * MINUTE).toISOString(), media_id: ours.mediaId };
    const delivery = await h.deliver(account, 'instagram', { body, mediaIds: [photo.id] }, { earlierAttempt: { startedAt: new Date(Date.now() - 10 * MINUTE), providerState } });
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed', 'retrying']);
    expect(posted, posted.lastErrorMessage ?? '').toMatchObject({ status: 'posted', providerPostId: ours.mediaId, permalink: `https://www.instagram.com/p/${ours.mediaId}/` });
  });
});

describe('meta worker: a Page delivery resumes from what it saved', () => {
  const postCalls = (path: string) => h.graph.control.store.calls.filter((call) => call.method === 'POST' && call.path === path);

  it('attaches the photos it uploaded before /feed failed, without uploading them again', async () => {
    const { account, page, userId } = await h.pageAccount();
    const photos = [await h.addMedia(userId, jpeg()), await h.addMedia(userId, jpeg())];
    h.graph.control.fault({ method: 'POST', path: `^/${page.pageId}/feed$`, fault: { kind: 'error', error: { code: 1, message: 'An unknown error occurred' } } });
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Photos uploaded once', mediaIds: photos.map((p) => p.id) });
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    expect((await h.attempts(posted)).map((attempt) => attempt.outcome)).toEqual(['retrying', 'posted']);
    const uploaded = [...h.graph.control.store.photos.values()].filter((photo) => photo.pageId === page.pageId);
    expect(uploaded).toHaveLength(2);
    expect(postCalls(`/${page.pageId}/photos`)).toHaveLength(2);
    expect(h.graph.control.store.posts.get(posted.providerPostId!)!.attachedMedia).toEqual(uploaded.map((photo) => photo.id));
  });

  it('publishes the video it uploaded (saved video_id) when publishing it failed', async () => {
    const { account, page, userId } = await h.pageAccount();
    const video = await h.addMedia(userId, { mime: 'video/mp4', body: sampleMp4(256) });
    h.graph.control.fault({ method: 'POST', path: /^\/\d+$/, fault: { kind: 'error', error: { code: 1, message: 'An unknown error occurred' } } });
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Video uploaded once', videoMediaId: video.id });
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    expect((await h.attempts(posted)).map((attempt) => attempt.outcome)).toEqual(['retrying', 'posted']);
    expect(postCalls(`/${page.pageId}/videos`)).toHaveLength(1);
    expect(h.graph.control.store.publishedVideos(page.pageId)).toEqual([expect.objectContaining({ id: posted.providerPostId })]);
  });

  it('finds the video an unanswered upload created (in /videos) and publishes it, instead of uploading again', async () => {
    const { account, page, userId } = await h.pageAccount();
    const video = await h.addMedia(userId, { mime: 'video/mp4', body: sampleMp4(256) });
    h.graph.control.fault({ method: 'POST', path: `^/${page.pageId}/videos$`, fault: { kind: 'error_after_commit' } });
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Video found again', videoMediaId: video.id });
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    expect(postCalls(`/${page.pageId}/videos`)).toHaveLength(1);
    const videos = [...h.graph.control.store.videos.values()].filter((v) => v.pageId === page.pageId);
    expect(videos).toEqual([expect.objectContaining({ id: posted.providerPostId, published: true })]);
    expect((await h.logs(posted)).map((line) => line.message)).toContain('Found the post an earlier attempt created unpublished: publishing it');
  });
});
