import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encryptJson } from '@autoposter/crypto';
import type { Account } from '@autoposter/db/repositories/accounts';
import { KnownAccounts } from './known-accounts.ts';
import { WorkerHarness, type Seeded } from './test/worker-harness.ts';

describe('publish worker: accounts it paced before', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await WorkerHarness.create();
  });
  afterEach(() => h.closeWorkers());
  afterAll(() => h.close());

  /** One delivery posted by a running worker, which now knows its account; and a second delivery on it. */
  async function afterOnePost(): Promise<{ first: Seeded; second: Seeded }> {
    const first = await h.seed();
    await h.enqueue(first.delivery);
    await h.startWorker();
    await h.waitForStatus(first.delivery.id, 'posted');
    const second = await h.seed({ account: first.account });
    return { first, second };
  }

  async function waitForLog(delivery: { id: string; userId: string }, text: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const line = (await h.logs(delivery)).find((l) => l.message.includes(text));
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no log line with "${text}"`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('paces by the limits the account has now: a cap set after its first post holds the second', async () => {
    const { first, second } = await afterOnePost();
    await h.db.pool.query(`update accounts set limits = '{"daily_cap": 1}' where id = $1`, [first.account.id]);
    await h.enqueue(second.delivery);

    await waitForLog(second.delivery, 'the account reached its daily cap');
    expect(h.provider.calls(second.delivery.id)).toHaveLength(0);
    expect(await h.delivery(second.delivery.id)).toMatchObject({ status: 'queued', attemptCount: 0 });
  });

  it('waits for a cooldown recorded after it paced the account (by another worker, say)', async () => {
    const { first, second } = await afterOnePost();
    await h.db.pool.query(`update accounts set cooldown_until = now() + interval '1 hour' where id = $1`, [first.account.id]);
    await h.enqueue(second.delivery);

    await waitForLog(second.delivery, 'the provider asked this account to pause');
    expect(h.provider.calls(second.delivery.id)).toHaveLength(0);
    expect(await h.delivery(second.delivery.id)).toMatchObject({ status: 'queued', attemptCount: 0 });
  });

  it('publishes with the credentials the account has now', async () => {
    const { first, second } = await afterOnePost();
    const credentials = encryptJson(h.keyring, { access_token: 'replaced-page-token' });
    await h.db.pool.query(`update accounts set credentials_encrypted = $2 where id = $1`, [first.account.id, credentials]);
    await h.enqueue(second.delivery);

    await h.waitForStatus(second.delivery.id, 'posted');
    expect(h.provider.publications().find((p) => p.delivery_id === second.delivery.id)).toMatchObject({ credential: 'replaced-page-token' });
  });

  it('fails a delivery whose account was deleted after it paced it, without publishing', async () => {
    const { first, second } = await afterOnePost();
    await h.db.pool.query(`update accounts set deleted_at = now() where id = $1`, [first.account.id]);
    await h.enqueue(second.delivery);

    expect(await h.waitForStatus(second.delivery.id, 'failed')).toMatchObject({ lastErrorType: 'permission_denied' });
    expect(h.provider.calls(second.delivery.id)).toHaveLength(0);
  });

  it('takes a job added before jobs named their account, reading its delivery first', async () => {
    const { delivery } = await h.seed();
    await h.queue('meta').add('publish-delivery', { delivery_id: delivery.id, run: delivery.run }, { jobId: `legacy-${delivery.id}` });
    await h.startWorker();
    expect(await h.waitForStatus(delivery.id, 'posted')).toMatchObject({ attemptCount: 1 });
  });
});

describe('KnownAccounts', () => {
  const account = (id = randomUUID()) => ({ id, kind: 'facebook_page', cooldownUntil: null, limits: {} }) as unknown as Account;

  it('recalls what it last saw of an account, and forgets the longest unused one past its capacity', () => {
    const known = new KnownAccounts(2);
    const [a, b, c] = [account(), account(), account()];
    known.remember(a);
    known.remember(b);
    known.remember({ ...a, limits: { daily_cap: 3 } });
    known.remember(c);
    expect(known.recall(a.id)).toEqual({ id: a.id, kind: 'facebook_page', cooldownUntil: null, limits: { daily_cap: 3 } });
    expect(known.recall(b.id)).toBeUndefined();
    expect(known.recall(c.id)).toBeDefined();
    expect(known.recall(undefined)).toBeUndefined();
  });
});
