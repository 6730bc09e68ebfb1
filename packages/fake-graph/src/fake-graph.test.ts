import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleJpeg, samplePng } from '@autoposter/media/test-samples';
import { startFakeGraph, startMediaServer, type MediaServer, type StartedFakeGraph } from './index.ts';

let graph: StartedFakeGraph;
let media: MediaServer;

beforeAll(async () => {
  graph = await startFakeGraph({ settings: { containerDelayMs: 20 } });
  media = await startMediaServer();
});
afterAll(async () => {
  await graph.close();
  await media.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Graph answers are read field by field
type Json = Record<string, any>;

async function call(method: string, path: string, token: string | null, body?: Record<string, unknown>, base = graph.url) {
  const response = await fetch(`${base}/v27.0${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

async function waitForStatus(containerId: string, token: string, wanted: string, base = graph.url) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { body } = await call('GET', `/${containerId}?fields=status_code,status`, token, undefined, base);
    if (body.status_code === wanted) return body;
    if (Date.now() > deadline) throw new Error(`container is ${body.status_code}: ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fake Graph API', () => {
  it('answers /me with the Page for a Page token, the user for a user token, and 190 for expired or unknown ones', async () => {
    const { pageId, pageToken } = graph.newPage();
    expect((await call('GET', '/me?fields=id,name', pageToken)).body).toEqual({ id: pageId, name: `Page ${pageId}` });
    const user = await call('GET', '/me', graph.newUserToken());
    expect(user.status).toBe(200);
    expect(user.body.id).not.toBe(pageId);
    const expired = await call('GET', '/me', 'EAAFAKEEXPIREDTOKEN1000000001');
    expect(expired.body.error).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' });
    expect(expired.body.error.fbtrace_id).toBeTruthy();
    expect((await call('GET', '/me', 'nonsense-token')).body.error.code).toBe(190);
  });

  it('answers /healthz, like every service of the stack', async () => {
    const res = await fetch(`${graph.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('accepts any vNN.0 version and refuses a path without one', async () => {
    const { pageToken } = graph.newPage();
    expect((await fetch(`${graph.url}/v19.0/me`, { headers: { authorization: `Bearer ${pageToken}` } })).status).toBe(200);
    const bad = await fetch(`${graph.url}/latest/me`, { headers: { authorization: `Bearer ${pageToken}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error.code).toBe(2500);
  });

  it('creates an unpublished Page post that /feed lists, then publishes it (repeatably)', async () => {
    const { pageId, pageToken } = graph.newPage();
    const created = await call('POST', `/${pageId}/feed`, pageToken, { message: 'hello', published: false });
    expect(created.body.id).toMatch(new RegExp(`^${pageId}_\\d+$`));
    const feed = await call('GET', `/${pageId}/feed?fields=id,message,is_published,created_time`, pageToken);
    expect(feed.body.data).toEqual([expect.objectContaining({ id: created.body.id, message: 'hello', is_published: false })]);
    expect(graph.control.store.publishedPagePosts(pageId)).toHaveLength(0);
    const permalink = graph.control.store.posts.get(created.body.id)!.permalinkUrl;
    expect((await fetch(permalink)).status).toBe(404);
    for (let i = 0; i < 2; i++) expect((await call('POST', `/${created.body.id}`, pageToken, { is_published: true })).body).toEqual({ success: true });
    expect(graph.control.store.publishedPagePosts(pageId)).toHaveLength(1);
    const read = await call('GET', `/${created.body.id}?fields=permalink_url,is_published`, pageToken);
    expect(read.body).toMatchObject({ is_published: true, permalink_url: permalink });
    // The permalink leads to the fake itself, which shows the post to anyone.
    expect(permalink.startsWith(`${graph.url}/sandbox/facebook/${pageId}/posts/`)).toBe(true);
    const opened = await fetch(permalink);
    expect([opened.status, await opened.text()]).toEqual([200, expect.stringContaining('hello')]);
  });

  it("refuses a user token or another Page's token writing to a Page (#200)", async () => {
    const { pageId } = graph.newPage();
    const other = graph.newPage();
    for (const token of [graph.newUserToken(), other.pageToken]) {
      const refused = await call('POST', `/${pageId}/feed`, token, { message: 'x' });
      expect(refused.body.error.code).toBe(200);
    }
  });

  it('attaches unpublished photos fetched from their URL to a feed post', async () => {
    const { pageId, pageToken } = graph.newPage();
    const url = media.put('page.png', samplePng(400, 300), 'image/png');
    const photos = await Promise.all([1, 2].map(() => call('POST', `/${pageId}/photos`, pageToken, { url, published: false })));
    const post = await call('POST', `/${pageId}/feed`, pageToken, { message: 'two', attached_media: photos.map((p) => ({ media_fbid: p.body.id })) });
    expect(graph.control.store.posts.get(post.body.id)).toMatchObject({ isPublished: true, attachedMedia: photos.map((p) => p.body.id) });
    const missing = await call('POST', `/${pageId}/photos`, pageToken, { url: `${media.url}/files/none.jpg` });
    expect(missing.body.error.code).toBe(324);
  });

  it('processes Instagram containers asynchronously, fetching the image, and publishes within the quota', async () => {
    const { pageToken, igUserId } = graph.newPage({ instagram: true });
    const url = media.put('ok.jpg', sampleJpeg(1080, 1080), 'image/jpeg');
    const container = await call('POST', `/${igUserId}/media`, pageToken, { image_url: url, caption: 'hi', alt_text: 'a loaf' });
    const early = await call('POST', `/${igUserId}/media_publish`, pageToken, { creation_id: container.body.id });
    expect(early.body.error).toMatchObject({ code: 9007, error_subcode: 2207027 });
    await waitForStatus(container.body.id, pageToken, 'FINISHED');
    const limit = await call('GET', `/${igUserId}/content_publishing_limit?fields=quota_usage,config`, pageToken);
    expect(limit.body.data[0]).toEqual({ quota_usage: 0, config: { quota_total: 100, quota_duration: 86400 } });
    const published = await call('POST', `/${igUserId}/media_publish`, pageToken, { creation_id: container.body.id });
    const mediaRead = await call('GET', `/${published.body.id}?fields=permalink,alt_text`, pageToken);
    expect(mediaRead.body).toMatchObject({ permalink: expect.stringMatching(new RegExp(`^${graph.url}/sandbox/instagram/p/`)), alt_text: 'a loaf' });
    const opened = await fetch(mediaRead.body.permalink);
    expect([opened.status, await opened.text()]).toEqual([200, expect.stringContaining('hi')]);
    expect((await fetch(`${graph.url}/sandbox/instagram/p/${Buffer.from('404').toString('base64url')}/`)).status).toBe(404);
    await waitForStatus(container.body.id, pageToken, 'PUBLISHED');
    const listed = await call('GET', `/${igUserId}/media?fields=id,caption,timestamp`, pageToken);
    expect(listed.body.data.map((item: { id: string }) => item.id)).toEqual([published.body.id]);
  });

  it.each([
    ['an unreachable URL', () => `${media.url}/files/missing.jpg`, 2207052],
    ['a PNG', () => media.put('x.png', samplePng(500, 500), 'image/png'), 2207005],
    ['a too narrow aspect ratio', () => media.put('tall.jpg', sampleJpeg(400, 1000), 'image/jpeg'), 2207009],
    ['an image over 8 MiB', () => media.put('big.jpg', Buffer.concat([sampleJpeg(800, 800), Buffer.alloc(8 * 1024 * 1024)]), 'image/jpeg'), 2207004],
    ['an image under 320 pixels wide', () => media.put('narrow.jpg', sampleJpeg(300, 300), 'image/jpeg'), 2207004],
    ['an image over 1440 pixels wide', () => media.put('wide.jpg', sampleJpeg(1600, 1600), 'image/jpeg'), 2207004],
  ])('fails a container of %s as Meta does', async (_name, urlOf, code) => {
    const { pageToken, igUserId } = graph.newPage({ instagram: true });
    const container = await call('POST', `/${igUserId}/media`, pageToken, { image_url: urlOf() });
    const status = await waitForStatus(container.body.id, pageToken, 'ERROR');
    expect(status.status).toContain(String(code));
  });

  it.each([320, 1440])('takes an image %s pixels wide', async (width) => {
    const { pageToken, igUserId } = graph.newPage({ instagram: true });
    const container = await call('POST', `/${igUserId}/media`, pageToken, { image_url: media.put(`w${width}.jpg`, sampleJpeg(width, width), 'image/jpeg') });
    await waitForStatus(container.body.id, pageToken, 'FINISHED');
  });

  it('refuses media_publish with 9/2207042 once the quota is used', async () => {
    const { pageToken, igUserId } = graph.newPage({ instagram: true });
    graph.control.configure({ quotaTotal: 1 });
    try {
      const url = media.put('q.jpg', sampleJpeg(1000, 1000), 'image/jpeg');
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) ids.push((await call('POST', `/${igUserId}/media`, pageToken, { image_url: url })).body.id);
      for (const id of ids) await waitForStatus(id, pageToken, 'FINISHED');
      expect((await call('POST', `/${igUserId}/media_publish`, pageToken, { creation_id: ids[0] })).status).toBe(200);
      const full = await call('POST', `/${igUserId}/media_publish`, pageToken, { creation_id: ids[1] });
      expect(full.body.error).toMatchObject({ code: 9, error_subcode: 2207042 });
    } finally {
      graph.control.configure({ quotaTotal: 100 });
    }
  });

  it('keeps Instagram Login tokens to graph.instagram.com and refreshes them', async () => {
    const { igUserId, token } = graph.newInstagramLogin();
    expect((await call('GET', '/me?fields=user_id,username', token, undefined, graph.instagramUrl)).body.id).toBe(igUserId);
    expect((await call('GET', '/me', token)).body.error.code).toBe(190);
    const refreshed = await fetch(`${graph.instagramUrl}/refresh_access_token?grant_type=ig_refresh_token&access_token=${token}`);
    const body = (await refreshed.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(5_184_000);
    expect((await call('GET', '/me', body.access_token, undefined, graph.instagramUrl)).body.id).toBe(igUserId);
  });

  describe('scripted faults', () => {
    it('answers a scripted error with usage headers, once', async () => {
      const { pageId, pageToken } = graph.newPage();
      graph.control.fault({
        method: 'POST',
        path: /\/feed$/,
        fault: { kind: 'error', error: { code: 80001, message: 'There have been too many calls to this Page account' }, usage: { business: { [pageId]: { percent: 100, etaMinutes: 3 } } } },
      });
      const refused = await call('POST', `/${pageId}/feed`, pageToken, { message: 'x' });
      expect(refused.body.error.code).toBe(80001);
      expect(JSON.parse(refused.headers.get('x-business-use-case-usage')!)[pageId][0]).toMatchObject({ estimated_time_to_regain_access: 3, call_count: 100 });
      expect(JSON.parse(refused.headers.get('x-app-usage')!)).toHaveProperty('call_count');
      expect((await call('POST', `/${pageId}/feed`, pageToken, { message: 'x' })).status).toBe(200);
    });

    it('commits the write before a 500 or a dropped connection', async () => {
      const { pageId, pageToken } = graph.newPage();
      graph.control.fault({ method: 'POST', path: /\/feed$/, fault: { kind: 'error_after_commit' } });
      const failed = await call('POST', `/${pageId}/feed`, pageToken, { message: 'committed' });
      expect(failed.status).toBe(500);
      expect(failed.body.error).toMatchObject({ code: 2, is_transient: true });
      graph.control.fault({ method: 'POST', path: /\/feed$/, fault: { kind: 'drop_after_commit' } });
      await expect(call('POST', `/${pageId}/feed`, pageToken, { message: 'dropped' })).rejects.toThrow();
      expect([...graph.control.store.posts.values()].filter((p) => p.pageId === pageId).map((p) => p.message).sort()).toEqual(['committed', 'dropped']);
    });

    it('picks a random share of the matching calls for a rule with a chance, for as long as it stays', async () => {
      const { pageId, pageToken } = graph.newPage();
      graph.control.fault({ method: 'POST', path: `^/${pageId}/feed$`, chance: 0.5, fault: { kind: 'error', error: { status: 503, code: 2, message: 'down' } } });
      const appliedBefore = graph.control.faults.applied.error ?? 0;
      const statuses = [];
      for (let i = 0; i < 60; i++) statuses.push((await call('POST', `/${pageId}/feed`, pageToken, { message: `m${i}` })).status);
      graph.control.faults.clear();
      expect(graph.control.faults.applied.error! - appliedBefore).toBe(statuses.filter((status) => status === 503).length);
      expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(10);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(10);
    });

    it('is scriptable over its control API', async () => {
      const { pageId, pageToken } = graph.newPage();
      const scripted = await fetch(`${graph.url}/_control/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: '/feed$', fault: { kind: 'error', error: { code: 368, message: 'blocked' } } }),
      });
      expect(scripted.status).toBe(201);
      expect((await call('POST', `/${pageId}/feed`, pageToken, { message: 'x' })).body.error.code).toBe(368);
      const state = (await (await fetch(`${graph.url}/_control/state`)).json()) as { calls: { path: string; status: number }[] };
      expect(state.calls.filter((c) => c.path === `/${pageId}/feed`).map((c) => c.status)).toEqual([400]);
    });
  });
});
