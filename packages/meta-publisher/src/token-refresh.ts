import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { decryptJson, encryptJson, type Keyring } from '@autoposter/crypto';
import type { Db } from '@autoposter/db';
import type { AccountRow } from '@autoposter/db/repositories/account-health';
import { accountHealthStatus } from '@autoposter/db/repositories/account-health-status';
import { listInstagramSessionsStoredBefore, recordTokenRefreshFailure, saveRefreshedToken } from '@autoposter/db/repositories/token-refresh';
import type { GraphClient } from '@autoposter/graph-client';
import type { Logger } from '@autoposter/logger';
import { accountHealthEvent, appendEvents } from '@autoposter/queue';

const DAY_MS = 86_400_000;
/** Instagram Login tokens live 60 days from when they were issued or last refreshed. */
export const INSTAGRAM_TOKEN_LIFETIME_MS = 60 * DAY_MS;

export interface TokenRefreshDeps {
  db: Db;
  keyring: Keyring;
  client: GraphClient;
  redis: Redis;
  /** QUEUE_PREFIX: where the event stream and the sweep's lock live. */
  prefix: string;
  logger: Logger;
}

export interface TokenRefreshOptions {
  /** Tokens stored longer ago than this are refreshed (well before day 60). */
  refreshAfterMs: number;
  /** Between two refresh calls: the sweep is paced, not a burst. */
  paceMs: number;
  now?: Date;
  /** Ends the sweep (at its next pacing wait or call). */
  signal?: AbortSignal;
}

interface InstagramCredentials {
  ig_user_id: string;
  access_token: string;
  login?: string;
}

/** What became of one account: refreshed, failed, or left alone because a person replaced its token meanwhile. */
type RefreshOutcome = 'refreshed' | 'failed' | 'replaced';

/**
 * Refreshes the Instagram Login tokens stored longer ago than `refreshAfterMs`
 * (`GET graph.instagram.com/refresh_access_token`). A refresh that fails makes the account
 * `warning` (a temporary failure of its check) while the token still lives, and `error` once it
 * has expired. An `account.health` event goes out when the account's health changed, not at
 * every sweep. A token a person replaced during the sweep is kept, whatever the refresh gave.
 */
export async function refreshInstagramLoginTokens(deps: TokenRefreshDeps, options: TokenRefreshOptions): Promise<Record<RefreshOutcome, number>> {
  const now = options.now ?? new Date();
  const due = await listInstagramSessionsStoredBefore(deps.db, new Date(now.getTime() - options.refreshAfterMs));
  const counts: Record<RefreshOutcome, number> = { refreshed: 0, failed: 0, replaced: 0 };
  let called = false;
  for (const account of due) {
    const credentials = decryptJson<InstagramCredentials>(deps.keyring, account.credentialsEncrypted);
    if (credentials.login !== 'instagram') continue;
    if (called) await sleep(options.paceMs, undefined, options.signal ? { signal: options.signal } : {});
    called = true;
    counts[await refreshOne(deps, account, credentials, now, options.signal)] += 1;
  }
  return counts;
}

async function refreshOne(deps: TokenRefreshDeps, account: AccountRow, credentials: InstagramCredentials, now: Date, signal: AbortSignal | undefined): Promise<RefreshOutcome> {
  const swept = { userId: account.userId, accountId: account.id, sessionUpdatedAt: account.sessionUpdatedAt };
  const refreshed = await requestRefresh(deps.client, credentials.access_token, signal);
  const outcome: RefreshOutcome = typeof refreshed === 'string' ? 'refreshed' : 'failed';
  let row: AccountRow | null;
  if (typeof refreshed === 'string') {
    const credentialsEncrypted = encryptJson(deps.keyring, { ...credentials, access_token: refreshed });
    row = await saveRefreshedToken(deps.db, { ...swept, credentialsEncrypted, message: 'The Instagram Login token was refreshed' });
  } else {
    const expiresAt = new Date(account.sessionUpdatedAt.getTime() + INSTAGRAM_TOKEN_LIFETIME_MS);
    const expired = expiresAt <= now;
    const message = `The Instagram Login token could not be refreshed (${refreshed.message}); ${
      expired ? 'it has expired: connect the account again' : `it expires on ${expiresAt.toISOString().slice(0, 10)}`
    }`;
    row = await recordTokenRefreshFailure(deps.db, { ...swept, expired, message });
  }
  if (!row) {
    deps.logger.info({ account_id: account.id }, 'the token was replaced during the sweep: the sweep leaves it alone');
    return 'replaced';
  }
  if (outcome === 'refreshed') deps.logger.info({ account_id: account.id }, 'Instagram Login token refreshed');
  else deps.logger.warn({ account_id: account.id, session_valid: row.sessionValid }, 'Instagram Login token refresh failed');
  await announceChange(deps, account, row, now);
  return outcome;
}

/** The new token, or why Instagram did not give one. Thrown when the sweep is stopping (nothing was learnt). */
async function requestRefresh(client: GraphClient, token: string, signal: AbortSignal | undefined): Promise<string | Error> {
  try {
    const { body } = await client.request<{ access_token: string; expires_in?: number }>({
      host: 'instagram',
      method: 'GET',
      path: '/refresh_access_token',
      unversioned: true,
      token,
      params: { grant_type: 'ig_refresh_token' },
      ...(signal ? { signal } : {}),
    });
    return body.access_token;
  } catch (err) {
    if (signal?.aborted) throw err;
    return err as Error;
  }
}

/** Sends `account.health` when the sweep changed the account's health (as the gateway's validate-session does). */
async function announceChange(deps: TokenRefreshDeps, before: AccountRow, after: AccountRow, now: Date) {
  const health = accountHealthStatus(after, now);
  if (health === accountHealthStatus(before, now)) return;
  await appendEvents(deps.redis, deps.prefix, [accountHealthEvent(after, health, after.sessionMessage)]).catch((err: unknown) => {
    deps.logger.warn({ err }, 'could not append the account.health event');
  });
}

/**
 * Runs the sweep every `intervalMs`, once across replicas (a Redis lock held for the interval),
 * the first time a second after it starts. The timers do not keep the process alive; `stop`
 * ends the pacing wait of a sweep under way and resolves once it is over.
 */
export function startTokenRefreshSweep(deps: TokenRefreshDeps, options: Omit<TokenRefreshOptions, 'now' | 'signal'> & { intervalMs: number }): () => Promise<void> {
  const lockKey = `${deps.prefix}:meta:instagram-token-refresh`;
  const stopped = new AbortController();
  let running: Promise<void> = Promise.resolve();
  const run = async () => {
    const owned = await deps.redis.set(lockKey, String(process.pid), 'PX', options.intervalMs, 'NX');
    if (owned !== 'OK') return;
    const result = await refreshInstagramLoginTokens(deps, { ...options, signal: stopped.signal });
    if (result.refreshed + result.failed + result.replaced > 0) deps.logger.info(result, 'Instagram Login token sweep done');
  };
  const tick = () => {
    if (stopped.signal.aborted) return;
    running = run().catch((err: unknown) => {
      if (!stopped.signal.aborted) deps.logger.error({ err }, 'Instagram Login token sweep failed');
    });
  };
  const timer = setInterval(tick, options.intervalMs);
  const first = setTimeout(tick, Math.min(1_000, options.intervalMs));
  timer.unref();
  first.unref();
  return async () => {
    stopped.abort();
    clearInterval(timer);
    clearTimeout(first);
    await running;
  };
}
