import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { decryptJson, encryptJson, type Keyring } from '@autoposter/crypto';
import type { Db } from '@autoposter/db';
import { markSessionInvalid, recordSessionCheck, type AccountRow } from '@autoposter/db/repositories/account-health';
import { replaceAccountSession } from '@autoposter/db/repositories/accounts';
import { listInstagramSessionsStoredBefore } from '@autoposter/db/repositories/token-refresh';
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
}

interface InstagramCredentials {
  ig_user_id: string;
  access_token: string;
  login?: string;
}

/**
 * Refreshes the Instagram Login tokens stored longer ago than `refreshAfterMs`
 * (`GET graph.instagram.com/refresh_access_token`). A refresh that fails makes the account
 * `warning` (a temporary failure of its check) while the token still lives, and `error` once it
 * has expired; each change of health is pushed as an `account.health` event.
 */
export async function refreshInstagramLoginTokens(deps: TokenRefreshDeps, options: TokenRefreshOptions): Promise<{ refreshed: number; failed: number }> {
  const now = options.now ?? new Date();
  const due = await listInstagramSessionsStoredBefore(deps.db, new Date(now.getTime() - options.refreshAfterMs));
  let refreshed = 0;
  let failed = 0;
  for (const account of due) {
    const credentials = decryptJson<InstagramCredentials>(deps.keyring, account.credentialsEncrypted);
    if (credentials.login !== 'instagram') continue;
    if (refreshed + failed > 0) await sleep(options.paceMs);
    if (await refreshOne(deps, account, credentials, now)) refreshed += 1;
    else failed += 1;
  }
  return { refreshed, failed };
}

async function refreshOne(deps: TokenRefreshDeps, account: AccountRow, credentials: InstagramCredentials, now: Date): Promise<boolean> {
  const ids = { userId: account.userId, accountId: account.id };
  try {
    const { body } = await deps.client.request<{ access_token: string; expires_in?: number }>({
      host: 'instagram',
      method: 'GET',
      path: '/refresh_access_token',
      unversioned: true,
      token: credentials.access_token,
      params: { grant_type: 'ig_refresh_token' },
    });
    const encrypted = encryptJson(deps.keyring, { ...credentials, access_token: body.access_token });
    await replaceAccountSession(deps.db, account.userId, account.id, encrypted);
    const row = await recordSessionCheck(deps.db, { ...ids, valid: true, temporary: false, message: 'The Instagram Login token was refreshed' });
    if (row && account.sessionValid === false) await announce(deps, row, 'healthy');
    deps.logger.info({ account_id: account.id }, 'Instagram Login token refreshed');
    return true;
  } catch (err) {
    const expiresAt = new Date(account.sessionUpdatedAt.getTime() + INSTAGRAM_TOKEN_LIFETIME_MS);
    const expired = expiresAt <= now;
    const message = `The Instagram Login token could not be refreshed (${(err as Error).message}); ${
      expired ? 'it has expired: connect the account again' : `it expires on ${expiresAt.toISOString().slice(0, 10)}`
    }`;
    const row = expired
      ? await markSessionInvalid(deps.db, { ...ids, message })
      : await recordSessionCheck(deps.db, { ...ids, valid: false, temporary: true, message });
    if (row) await announce(deps, row, expired ? 'error' : 'warning');
    deps.logger.warn({ account_id: account.id, expired }, 'Instagram Login token refresh failed');
    return false;
  }
}

async function announce(deps: TokenRefreshDeps, row: AccountRow, health: 'healthy' | 'warning' | 'error') {
  await appendEvents(deps.redis, deps.prefix, [accountHealthEvent(row, health, row.sessionMessage)]).catch((err: unknown) => {
    deps.logger.warn({ err }, 'could not append the account.health event');
  });
}

/**
 * Runs the sweep every `intervalMs`, once across replicas (a Redis lock held for the interval).
 * Returns a stop function; the timer does not keep the process alive.
 */
export function startTokenRefreshSweep(deps: TokenRefreshDeps, options: Omit<TokenRefreshOptions, 'now'> & { intervalMs: number }): () => void {
  const lockKey = `${deps.prefix}:meta:instagram-token-refresh`;
  const run = async () => {
    const owned = await deps.redis.set(lockKey, String(process.pid), 'PX', options.intervalMs, 'NX');
    if (owned !== 'OK') return;
    const result = await refreshInstagramLoginTokens(deps, options);
    if (result.refreshed + result.failed > 0) deps.logger.info(result, 'Instagram Login token sweep done');
  };
  const tick = () => void run().catch((err: unknown) => deps.logger.error({ err }, 'Instagram Login token sweep failed'));
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  setTimeout(tick, 1_000).unref();
  return () => clearInterval(timer);
}
