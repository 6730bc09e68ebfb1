import { describe, expect, it } from 'vitest';
import type { DeliveryRow } from '@autoposter/db/repositories/delivery-runs';
import { isValidPayload, judgeArrival } from './claim.ts';

const now = new Date('2026-07-01T12:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const delivery = (overrides: Partial<DeliveryRow>) =>
  ({ run: 2, status: 'queued', dueAt: now, claimExpiresAt: null, cancelRequestedAt: null, ...overrides }) as DeliveryRow;

describe('what a job does when it arrives', () => {
  it('skips a missing delivery, a replaced run, and a delivery with nothing left to do', () => {
    expect(judgeArrival(null, 2, now)).toEqual({ kind: 'skip', reason: 'delivery_not_found' });
    expect(judgeArrival(delivery({ run: 3 }), 2, now)).toEqual({ kind: 'skip', reason: 'run_replaced' });
    for (const status of ['posted', 'failed', 'canceled', 'pending'] as const) {
      expect(judgeArrival(delivery({ status }), 2, now)).toEqual({ kind: 'skip', reason: `delivery_${status}` });
    }
  });

  it('claims a due delivery that waits for a worker', () => {
    for (const status of ['scheduled', 'queued', 'retrying'] as const) {
      expect(judgeArrival(delivery({ status }), 2, now).kind).toBe('claim');
    }
  });

  it('waits for a due time moved later', () => {
    expect(judgeArrival(delivery({ status: 'scheduled', dueAt: later(5_000) }), 2, now)).toEqual({
      kind: 'wait',
      until: later(5_000),
      reason: 'not_due',
    });
  });

  it("waits for the lease another worker's claim holds, then takes an expired one over", () => {
    const held = delivery({ status: 'processing', claimedAt: later(-60_000), claimExpiresAt: later(600) });
    expect(judgeArrival(held, 2, now)).toEqual({ kind: 'wait', until: later(600), reason: 'claimed_elsewhere' });
    expect(judgeArrival(delivery({ status: 'processing', claimExpiresAt: later(-1) }), 2, now).kind).toBe('claim');
    expect(judgeArrival(delivery({ status: 'processing', claimExpiresAt: null }), 2, now).kind).toBe('claim');
  });

  it('cancels, instead of claiming, a delivery whose cancel was requested once nobody holds it', () => {
    const cancelRequestedAt = later(-100);
    for (const status of ['queued', 'retrying', 'processing'] as const) {
      expect(judgeArrival(delivery({ status, cancelRequestedAt }), 2, now).kind).toBe('cancel');
    }
    // Its holder is still at it: the holder ends it.
    expect(judgeArrival(delivery({ status: 'processing', cancelRequestedAt, claimExpiresAt: later(500) }), 2, now).kind).toBe('wait');
    expect(judgeArrival(delivery({ status: 'posted', cancelRequestedAt }), 2, now)).toEqual({ kind: 'skip', reason: 'delivery_posted' });
  });

  it('recognises a job payload it can act on', () => {
    expect(isValidPayload({ delivery_id: '0b6f8c52-3f43-4d55-9a4f-5f1f0c6f2a10', run: 0 })).toBe(true);
    expect(isValidPayload({ delivery_id: 'not-a-uuid', run: 0 })).toBe(false);
    expect(isValidPayload({ delivery_id: '0b6f8c52-3f43-4d55-9a4f-5f1f0c6f2a10' })).toBe(false);
    expect(isValidPayload(null)).toBe(false);
  });
});
