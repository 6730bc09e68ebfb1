import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleJpeg } from '@autoposter/media/test-samples';
import { MetaHarness } from './test/meta-harness.ts';

let h: MetaHarness;
beforeAll(async () => {
  h = await MetaHarness.create();
});
afterAll(() => h.close());

/** Every value under the test's Redis prefix, as text. */
async function redisContents(): Promise<string> {
  const keys = await h.redis.client.keys(`${h.redis.prefix}*`);
  const values = await Promise.all(
    keys.map(async (key) => {
      const type = await h.redis.client.type(key);
      if (type === 'string') return h.redis.client.get(key);
      if (type === 'hash') return JSON.stringify(await h.redis.client.hgetall(key));
      if (type === 'list') return JSON.stringify(await h.redis.client.lrange(key, 0, -1));
      if (type === 'zset') return JSON.stringify(await h.redis.client.zrange(key, 0, -1));
      if (type === 'set') return JSON.stringify(await h.redis.client.smembers(key));
      if (type === 'stream') return JSON.stringify(await h.redis.client.xrange(key, '-', '+'));
      return '';
    }),
  );
  return keys.join('\n') + values.join('\n');
}

describe('meta worker: tokens stay secret', () => {
  it('never writes a token to logs, attempts, delivery logs, Redis or its HTTP answers; ids stay whole', async () => {
    const good = await h.pageAccount();
    const revoked = await h.pageAccount();
    h.graph.control.store.tokens.get(revoked.page.pageToken)!.revoked = true;
    const ig = await h.instagramAccount('instagram');
    const photo = await h.addMedia(ig.userId, { mime: 'image/jpeg', body: sampleJpeg(1080, 1080) });
    h.graph.control.fault({ method: 'POST', path: /\/feed$/, fault: { kind: 'error_after_commit' } });

    const deliveries = [
      await h.deliver(good.account, 'facebook_page', { body: 'Secret-free' }),
      await h.deliver(revoked.account, 'facebook_page', { body: 'Revoked' }),
      await h.deliver(ig.account, 'instagram', { body: 'IG secret-free', mediaIds: [photo.id] }),
    ];
    const worker = await h.startWorker();
    const ends = await Promise.all(deliveries.map((delivery) => h.waitForStatus(delivery.id, ['posted', 'failed'])));
    expect(ends.map((end) => end.status)).toEqual(['posted', 'failed', 'posted']);
    expect(ends[0]!.providerPostId).toMatch(new RegExp(`^${good.page.pageId}_\\d+$`));

    const tokens = [good.page.pageToken, revoked.page.pageToken, ig.token];
    const stored = [
      worker.logs.join('\n'),
      JSON.stringify((await h.db.pool.query('select * from delivery_attempts')).rows),
      JSON.stringify((await h.db.pool.query('select * from delivery_logs')).rows),
      JSON.stringify((await h.db.pool.query('select * from deliveries')).rows),
      JSON.stringify((await h.db.pool.query('select session_message from accounts')).rows),
      await redisContents(),
      (await worker.app.inject({ url: '/metrics' })).body,
      (await worker.app.inject({ url: '/readyz' })).body,
    ].join('\n');
    expect(stored.length).toBeGreaterThan(1000);
    expect(stored).toContain(good.page.pageId);
    expect(stored).toContain('#190');
    for (const token of tokens) {
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(encodeURIComponent(token));
    }
  });
});
