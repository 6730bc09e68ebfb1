import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sampleJpeg, sampleMp4, samplePng } from '@autoposter/media/test-samples';
import { MetaHarness } from './test/meta-harness.ts';

let h: MetaHarness;
beforeAll(async () => {
  h = await MetaHarness.create();
});
afterEach(() => h.closeWorkers());
afterAll(() => h.close());

const jpeg = (width = 1080, height = 1080) => ({ mime: 'image/jpeg', body: sampleJpeg(width, height), width, height });

describe('meta worker: each publishing path, against the fake Graph API', () => {
  it('publishes a Page text and link post: unpublished first, then is_published, with its permalink', async () => {
    const { account, page } = await h.pageAccount();
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Fresh bread today', link: 'https://example.com/bread' });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    const stored = h.graph.control.store.publishedPagePosts(page.pageId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ message: 'Fresh bread today', link: 'https://example.com/bread' });
    expect(posted).toMatchObject({ status: 'posted', providerPostId: stored[0]!.id, permalink: stored[0]!.permalinkUrl });
    expect(posted.providerPostId).toMatch(new RegExp(`^${page.pageId}_\\d+$`));
    const calls = h.graph.control.store.calls.filter((call) => call.method === 'POST').map((call) => call.path);
    expect(calls).toEqual(expect.arrayContaining([`/${page.pageId}/feed`, `/${stored[0]!.id}`]));
    const [attempt] = await h.attempts(posted);
    expect(attempt!.providerState).toEqual({ post_id: stored[0]!.id });
  });

  it('publishes a Page post with several photos attached (unpublished photos, then /feed)', async () => {
    const { account, userId } = await h.pageAccount();
    const photos = [await h.addMedia(userId, jpeg()), await h.addMedia(userId, jpeg(800, 600))];
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Two loaves', mediaIds: photos.map((p) => p.id) });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    const post = h.graph.control.store.posts.get(posted.providerPostId!)!;
    expect(post).toMatchObject({ isPublished: true, message: 'Two loaves' });
    expect(post.attachedMedia).toHaveLength(2);
    expect(post.attachedMedia.map((id) => h.graph.control.store.photos.get(id)!.url)).toEqual(photos.map((p) => expect.stringContaining(`/public/media/${p.id}`)));
  });

  it('publishes a Page photo post with one photo', async () => {
    const { account, userId } = await h.pageAccount();
    const photo = await h.addMedia(userId, jpeg());
    const delivery = await h.deliver(account, 'facebook_page', { body: 'One loaf', mediaIds: [photo.id] });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(h.graph.control.store.posts.get(posted.providerPostId!)).toMatchObject({ isPublished: true, attachedMedia: [expect.any(String)] });
  });

  it('publishes a Page video (file_url, description, title), unpublished first', async () => {
    const { account, page, userId } = await h.pageAccount();
    const video = await h.addMedia(userId, { mime: 'video/mp4', body: sampleMp4(256) });
    const delivery = await h.deliver(account, 'facebook_page', { body: 'Watch us bake', title: 'Bakery tour', videoMediaId: video.id });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    const videos = h.graph.control.store.publishedVideos(page.pageId);
    expect(videos).toEqual([expect.objectContaining({ id: posted.providerPostId, title: 'Bakery tour', description: 'Watch us bake', published: true })]);
    expect(posted.permalink).toBe(videos[0]!.permalinkUrl);
  });

  it('publishes an Instagram image (connected through a Page) with its caption, and reads its permalink', async () => {
    const { account, igUserId, userId } = await h.instagramAccount();
    const photo = await h.addMedia(userId, jpeg());
    const delivery = await h.deliver(account, 'instagram', { body: 'Croissants #bakery', mediaIds: [photo.id] });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    const media = h.graph.control.store.publishedIgMedia(igUserId);
    expect(media).toEqual([expect.objectContaining({ id: posted.providerPostId, caption: 'Croissants #bakery', mediaType: 'IMAGE' })]);
    expect(posted.permalink).toBe(media[0]!.permalink);
    const [attempt] = await h.attempts(posted);
    expect(attempt!.providerState).toEqual({ creation_id: media[0]!.containerId, created_at: expect.any(String), media_id: media[0]!.id });
    const quotaRead = h.graph.control.store.calls.some((call) => call.path === `/${igUserId}/content_publishing_limit`);
    expect(quotaRead).toBe(true);
  });

  it("gives Instagram a PNG's JPEG rendition and the image's alt_text", async () => {
    const { account, igUserId, userId } = await h.instagramAccount();
    const png = await h.addMedia(userId, { mime: 'image/png', body: samplePng(1080, 1080), width: 1080, height: 1080, jpeg: sampleJpeg(1080, 1080), altText: 'A plate of croissants' });
    const delivery = await h.deliver(account, 'instagram', { body: 'From a PNG', mediaIds: [png.id] });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status, posted.lastErrorMessage ?? '').toBe('posted');
    const [media] = h.graph.control.store.publishedIgMedia(igUserId);
    const container = h.graph.control.store.containers.get(media!.containerId)!;
    expect(container).toMatchObject({ altText: 'A plate of croissants', imageUrl: expect.stringContaining('rendition=jpeg') });
  });

  it('publishes an Instagram carousel of 2-10 items', async () => {
    const { account, igUserId, userId } = await h.instagramAccount();
    const photos = await Promise.all([1, 2, 3].map(() => h.addMedia(userId, jpeg())));
    const delivery = await h.deliver(account, 'instagram', { body: 'Three cakes', mediaIds: photos.map((p) => p.id) });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    const [media] = h.graph.control.store.publishedIgMedia(igUserId);
    expect(media).toMatchObject({ mediaType: 'CAROUSEL_ALBUM' });
    const carousel = h.graph.control.store.containers.get(media!.containerId)!;
    expect(carousel.children).toHaveLength(3);
    expect(carousel.children.every((id) => h.graph.control.store.containers.get(id)!.isCarouselItem)).toBe(true);
  });

  it('publishes an Instagram reel (media_type=REELS, video_url)', async () => {
    const { account, igUserId, userId } = await h.instagramAccount();
    const video = await h.addMedia(userId, { mime: 'video/mp4', body: sampleMp4(256) });
    const delivery = await h.deliver(account, 'instagram', { body: 'Reel', videoMediaId: video.id });
    await h.startWorker();
    await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(h.graph.control.store.publishedIgMedia(igUserId)).toEqual([expect.objectContaining({ mediaType: 'VIDEO', caption: 'Reel' })]);
  });

  it('publishes through Instagram Login (graph.instagram.com, its own token)', async () => {
    const { account, igUserId, userId } = await h.instagramAccount('instagram');
    const photo = await h.addMedia(userId, jpeg());
    const delivery = await h.deliver(account, 'instagram', { body: 'Studio', mediaIds: [photo.id] });
    await h.startWorker();
    const posted = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(posted.status).toBe('posted');
    expect(h.graph.control.store.publishedIgMedia(igUserId)).toHaveLength(1);
    const hosts = new Set(h.graph.control.store.calls.filter((call) => call.path.startsWith(`/${igUserId}`)).map((call) => call.host));
    expect([...hosts]).toEqual(['instagram']);
  });

  it("fails an Instagram image Meta cannot take (aspect ratio) as validation_error with Meta's words", async () => {
    const { account, userId } = await h.instagramAccount();
    const photo = await h.addMedia(userId, jpeg(400, 1000));
    const delivery = await h.deliver(account, 'instagram', { body: 'Too tall', mediaIds: [photo.id] });
    await h.startWorker();
    const failed = await h.waitForStatus(delivery.id, ['posted', 'failed']);
    expect(failed).toMatchObject({ status: 'failed', lastErrorType: 'validation_error' });
    expect(failed.lastErrorMessage).toContain('aspect ratio');
    expect(failed.lastErrorMessage).toContain('2207009');
  });
});
