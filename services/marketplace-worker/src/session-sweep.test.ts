import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@autoposter/db';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection } from '@autoposter/queue';
import { createSessionCheckWorker } from '@autoposter/worker-runtime';
import { MarketplaceHarness } from './test/harness.ts';

// Real Chromium on a shared 2-core machine: a flow can take far longer than the suite's default.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let h: MarketplaceHarness;
beforeAll(async () => {
  h = await MarketplaceHarness.create();
});
afterAll(() => h?.close());

describe('session sweep', () => {
  it('checks every browser account for real, one at a time, and pushes the health that changed', async () => {
    const good = await h.seedAccount('en_US');
    const expired = await h.seedAccount('es_LA');
    const blocked = await h.seedAccount('en_US');
    h.fake.state.script(expired.fakeAccount.userId, { kind: 'session_expired' });
    await h.db.db.update(schema.accounts).set({ cooldownUntil: new Date(Date.now() + 3_600_000) }).where(eq(schema.accounts.id, blocked.account.id));
    const visitsBefore = h.fake.state.requests.filter((r) => r.userId === blocked.fakeAccount.userId).length;

    const connection = createRedisConnection(h.redis.url, 'worker');
    const sweeper = await createSessionCheckWorker({
      publisher: h.publisher,
      kinds: ['facebook_browser'],
      db: h.db.db,
      connection,
      prefix: h.redis.prefix,
      keyring: h.keyring,
      logger: createLogger({ service: 'sweep-test', level: 'silent' }),
      checkTimeoutMs: 30_000,
      sweep: { intervalMs: 60_000, gapMs: 10 },
    });
    try {
      await h.until('both sessions to be checked', async () => {
        const [a, b] = await Promise.all([h.account(good.account.id), h.account(expired.account.id)]);
        return a.sessionCheckedAt && b.sessionCheckedAt;
      });
    } finally {
      await sweeper.close();
      connection.disconnect();
    }
    expect((await h.account(good.account.id)).sessionValid).toBe(true);
    expect((await h.account(expired.account.id)).sessionValid).toBe(false);
    // A blocked account is left alone until its cooldown is over.
    expect((await h.account(blocked.account.id)).sessionCheckedAt).toBeNull();
    expect(h.fake.state.requests.filter((r) => r.userId === blocked.fakeAccount.userId)).toHaveLength(visitsBefore);
    const health = (await h.events(expired.userId)).filter((e) => e.type === 'account.health');
    expect(health.at(-1)!.data).toMatchObject({ account_id: expired.account.id, health_status: 'error', session_valid: false });
  });
});
