import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AccountLimits } from '@autoposter/db/repositories/accounts';
import { sideConnection } from '@autoposter/queue';
import { localDay, nextPostingWindow, startOfNextLocalDay } from './local-time.ts';
import { LuaScript } from './lua-script.ts';

export interface PacedAccount {
  id: string;
  kind: string;
  /** The session is known invalid (logged out, a checkpoint): nothing can publish until a person updates it. */
  sessionInvalid?: boolean;
  cooldownUntil: Date | null;
  limits: AccountLimits;
}

export type PacingWait = 'session_invalid' | 'cooldown' | 'posting_hours' | 'account_busy' | 'min_gap' | 'daily_cap';

/**
 * How often a delivery of an account whose session is invalid looks again. Updating the
 * session (`PUT /api/accounts/:id/session`) wakes them at once; this only bounds a missed wake.
 */
export const SESSION_RECHECK_MS = 10 * 60_000;
export type PacingGate = { allowed: true; slot: PacingSlot } | { allowed: false; until: Date; reason: PacingWait };

/**
 * What became of a paced publication: it decides what the account's counters keep.
 * `abandoned_in_flight`: the runtime stopped waiting for a publish call that may still be
 * driving the provider; counted as maybe published, and the account lock is kept to its TTL.
 */
export type PublicationOutcome = 'published' | 'maybe_published' | 'abandoned_in_flight' | 'not_published';

const DAY_MS = 86_400_000;
const LAST_POST_TTL_MS = 7 * DAY_MS;

/** Counts today's publication if the gap and the cap allow it: [0, count] | [1, allowed at ms] | [2, count]. */
const reserveScript = new LuaScript(`
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local ready = last + tonumber(ARGV[2])
if ready > tonumber(ARGV[1]) then return {1, ready} end
local count = tonumber(redis.call('GET', KEYS[2]) or '0')
if count >= tonumber(ARGV[3]) then return {2, count} end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {0, count + 1}`);
const recordPublishedScript = new LuaScript(`
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end`);
const uncountScript = new LuaScript(`if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end`);
const refreshLockScript = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`);
const releaseLockScript = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`);

/**
 * Pacing's own connection, with auto-pipelining: the worker's jobs move through their stages
 * together, and the scripts they send in the same tick go out in one write instead of one each.
 */
export function connectionForPacing(workerConnection: Redis): Redis {
  return sideConnection(workerConnection, { enableAutoPipelining: true });
}

/**
 * An account's limits, enforced in Redis so they hold across every worker replica. A browser
 * account, or any account with a minimum gap, publishes one delivery at a time (a lock with a
 * TTL, refreshed while publishing); the daily cap is counted atomically when a publication
 * starts and given back if it certainly did not happen.
 */
export class AccountPacing {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: { lockTtlMs: number; busyRetryMs: number },
  ) {}

  async enter(account: PacedAccount, now: Date): Promise<PacingGate> {
    if (account.sessionInvalid) return wait(new Date(now.getTime() + SESSION_RECHECK_MS), 'session_invalid');
    if (account.cooldownUntil && account.cooldownUntil > now) return wait(account.cooldownUntil, 'cooldown');
    const { limits } = account;
    const opens = limits.posting_hours && nextPostingWindow(now, limits.posting_hours, limits.timezone);
    if (opens) return wait(opens, 'posting_hours');

    const keys = this.keys(account.id, localDay(now, limits.timezone));
    const lockToken = this.isOneAtATime(account) ? randomUUID() : null;
    if (lockToken && !(await this.redis.set(keys.busy, lockToken, 'PX', this.options.lockTtlMs, 'NX'))) {
      return wait(new Date(now.getTime() + this.options.busyRetryMs), 'account_busy');
    }
    const [verdict, value] = (await reserveScript.run(
      this.redis,
      [keys.last, keys.day],
      [now.getTime(), limits.min_gap_seconds * 1000, limits.daily_cap, 2 * DAY_MS],
    )) as [number, number];
    if (verdict === 0) return { allowed: true, slot: new PacingSlot(this.redis, keys, lockToken, this.options.lockTtlMs) };
    if (lockToken) await releaseLockScript.run(this.redis, [keys.busy], [lockToken]);
    return verdict === 1
      ? wait(new Date(value), 'min_gap')
      : wait(startOfNextLocalDay(now, limits.timezone), 'daily_cap');
  }

  private isOneAtATime(account: PacedAccount): boolean {
    return account.kind === 'facebook_browser' || account.limits.min_gap_seconds > 0;
  }

  private keys(accountId: string, day: string): PacingKeys {
    const base = `${this.prefix}:pacing:${accountId}`;
    return { busy: `${base}:busy`, last: `${base}:last`, day: `${base}:day:${day}` };
  }
}

interface PacingKeys {
  busy: string;
  last: string;
  day: string;
}

const wait = (until: Date, reason: PacingWait): PacingGate => ({ allowed: false, until, reason });

/** The right to publish for one account, held from before the claim until the outcome is known. */
export class PacingSlot {
  private settled: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: PacingKeys,
    private readonly lockToken: string | null,
    private readonly lockTtlMs: number,
  ) {}

  /**
   * Extends the one-at-a-time lock while publishing; false when it expired and may be someone
   * else's. Once the slot is settled there is nothing to extend (the lock is released, or kept
   * to its TTL on purpose).
   */
  async refresh(): Promise<boolean> {
    return this.settled ? true : this.extendLock();
  }

  private async extendLock(): Promise<boolean> {
    if (!this.lockToken) return true;
    return (await refreshLockScript.run(this.redis, [this.keys.busy], [this.lockToken, this.lockTtlMs])) === 1;
  }

  /** Once per slot: a later call returns the first one's promise (it may start as soon as the publication is known). */
  settle(outcome: PublicationOutcome): Promise<void> {
    this.settled ??= this.apply(outcome);
    return this.settled;
  }

  private async apply(outcome: PublicationOutcome): Promise<void> {
    if (outcome !== 'not_published') {
      await recordPublishedScript.run(this.redis, [this.keys.last], [Date.now(), LAST_POST_TTL_MS]);
    } else {
      await uncountScript.run(this.redis, [this.keys.day], []);
    }
    // An abandoned call's lock runs out one full TTL from now, as its lease would, instead of freeing the account at once.
    if (outcome === 'abandoned_in_flight') await this.extendLock();
    else if (this.lockToken) await releaseLockScript.run(this.redis, [this.keys.busy], [this.lockToken]);
  }
}
