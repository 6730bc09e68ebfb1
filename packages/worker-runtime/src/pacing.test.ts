import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AccountLimitsOverride } from '@autoposter/db/repositories/accounts';
import { localDay, startOfNextLocalDay } from './local-time.ts';
import { AccountPacing } from './pacing.ts';
import { WorkerHarness, sleep, withWorkerHarness } from './test/worker-harness.ts';

describe('publish worker: account pacing', () => {
  let h: WorkerHarness;
  withWorkerHarness((harness) => (h = harness));

  /** Two deliveries on one account with these limits. */
  async function twoDeliveries(limits: AccountLimitsOverride, kind: 'facebook_page' | 'facebook_browser' = 'facebook_page') {
    const channel = kind === 'facebook_browser' ? 'marketplace' : 'facebook_page';
    const first = await h.seed({ kind, channel, accountOverrides: { limits } });
    const second = await h.seed({ kind, channel, account: first.account });
    await h.enqueue(first.delivery);
    await h.enqueue(second.delivery);
    return [first, second] as const;
  }

  async function waitForLog(delivery: { id: string; userId: string }, text: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const line = (await h.logs(delivery)).find((l) => l.message.includes(text));
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no log line with "${text}"`);
      await sleep(25);
    }
  }

  const publicationTime = (deliveryId: string) =>
    Date.parse(h.provider.publications().find((p) => p.delivery_id === deliveryId)!.created_at);

  it('keeps the minimum gap between two posts of an account: the second waits, it does not fail', async () => {
    const [a, b] = await twoDeliveries({ min_gap_seconds: 2 });
    await h.startWorker({ config: { lockDurationMs: 1_000 } });

    const posted = await Promise.all([h.waitForStatus(a.delivery.id, 'posted'), h.waitForStatus(b.delivery.id, 'posted')]);
    const [early, late] = posted.sort((x, y) => publicationTime(x.id) - publicationTime(y.id));
    expect(publicationTime(late!.id) - publicationTime(early!.id)).toBeGreaterThanOrEqual(2_000);
    expect(await waitForLog(late!, "the account's minimum gap between posts")).toMatchObject({ level: 'INFO', attemptNo: null });
    // Waiting used no attempt, in Postgres or in BullMQ.
    for (const d of posted) {
      expect(d.attemptCount).toBe(1);
      expect((await h.waitForJobState(d, 'completed')).attemptsMade).toBe(1);
    }
  });

  it('stops at the daily cap until the next day in the account time zone', async () => {
    const callsBefore = h.provider.calls().length;
    const [a, b] = await twoDeliveries({ daily_cap: 1, timezone: 'Asia/Tokyo' });
    await h.startWorker();

    await h.provider.waitForCalls(callsBefore + 1);
    const firstId = h.provider.calls().at(-1)!.delivery_id;
    await h.waitForStatus(firstId, 'posted');
    const other = firstId === a.delivery.id ? b.delivery : a.delivery;
    const line = await waitForLog(other, 'the account reached its daily cap');
    const until = new Date(line.message.match(/Waiting until (\S+):/)![1]!);
    expect(until.getTime()).toBeGreaterThanOrEqual(startOfNextLocalDay(new Date(), 'Asia/Tokyo').getTime());
    expect(localDay(until, 'Asia/Tokyo')).not.toBe(localDay(new Date(), 'Asia/Tokyo'));

    expect(await h.delivery(other.id)).toMatchObject({ status: 'queued', attemptCount: 0 });
    expect((await h.waitForJobState(other, 'delayed')).attemptsMade).toBe(0);
  });

  it('waits for the posting hours to open', async () => {
    const hhmm = (date: Date) => date.toISOString().slice(11, 16);
    const from = new Date(Date.now() + 2 * 3_600_000);
    const { delivery } = await h.seed({
      accountOverrides: { limits: { posting_hours: { from: hhmm(from), to: hhmm(new Date(from.getTime() + 3_600_000)) } } },
    });
    await h.enqueue(delivery);
    await h.startWorker();

    const line = await waitForLog(delivery, "outside the account's posting hours");
    const until = new Date(line.message.match(/Waiting until (\S+):/)![1]!);
    expect(Math.abs(until.getTime() - from.getTime())).toBeLessThan(60_000);
    expect(await h.delivery(delivery.id)).toMatchObject({ status: 'queued', attemptCount: 0 });
    await h.waitForJobState(delivery, 'delayed');
  });

  it('publishes one delivery at a time per browser account, across two workers', async () => {
    h.provider.script({ kind: 'delay', ms: 400 }, { kind: 'delay', ms: 400 });
    const [a, b] = await twoDeliveries({}, 'facebook_browser');
    const config = { lockDurationMs: 1_000 };
    await Promise.all([h.startWorker({ queueName: 'marketplace', config }), h.startWorker({ queueName: 'marketplace', config })]);

    const posted = await Promise.all([h.waitForStatus(a.delivery.id, 'posted'), h.waitForStatus(b.delivery.id, 'posted')]);
    const calls = h.provider.calls().filter((c) => c.delivery_id === a.delivery.id || c.delivery_id === b.delivery.id);
    expect(calls).toHaveLength(2);
    const [firstCall, secondCall] = calls.sort((x, y) => x.started_at - y.started_at);
    expect(secondCall!.started_at).toBeGreaterThanOrEqual(publicationTime(firstCall!.delivery_id));
    expect(posted.map((d) => d.attemptCount)).toEqual([1, 1]);
  });

  it('keeps a browser account locked for a lease after abandoning a publish call that timed out', async () => {
    const lease = { publishTimeoutMs: 600, lockDurationMs: 1_500 };
    const { delivery } = await h.seed({ kind: 'facebook_browser', channel: 'marketplace' });
    h.provider.script({ kind: 'hang' });
    await h.enqueue(delivery);
    await h.startWorker({ queueName: 'marketplace', config: lease });

    const posted = await h.waitForStatus(delivery.id, 'posted');
    const [first, second] = h.provider.calls(delivery.id);
    // The abandoned call may still be driving the browser: nothing else runs on the account until its lease is over.
    expect(second!.started_at - first!.started_at).toBeGreaterThanOrEqual(lease.publishTimeoutMs + lease.lockDurationMs - 100);
    expect((await h.attempts(posted)).map((a) => [a.outcome, a.outcomeUnknown])).toEqual([
      ['retrying', true],
      ['posted', false],
    ]);
  });

  it('settles a slot once: the outcome known first stands (a publication is not given back later)', async () => {
    const pacing = new AccountPacing(h.redis.client, h.redis.prefix, { lockTtlMs: 5_000, busyRetryMs: 1_000 });
    const account = { id: randomUUID(), kind: 'facebook_browser', cooldownUntil: null, limits: { daily_cap: 1, min_gap_seconds: 0, posting_hours: null, timezone: 'UTC' } };
    const gate = await pacing.enter(account, new Date());
    if (!gate.allowed) throw new Error('the first entry should be allowed');
    const first = gate.slot.settle('published');
    expect(gate.slot.settle('not_published')).toBe(first);
    await first;
    // Still counted (the cap of one is used) and the account's lock is free: the next entry waits for the next day.
    expect(await pacing.enter(account, new Date())).toMatchObject({ allowed: false, reason: 'daily_cap' });
  });
});
