import type { AccountKind } from '@autoposter/db';
import type { Account } from '@autoposter/db/repositories/accounts';
import { GraphClient } from '@autoposter/graph-client';
import { checkMetaAccount } from '@autoposter/meta-publisher';
import type { AccountCredentials } from './credentials.ts';
import { sessionAgeDays, STALE_SESSION_DAYS } from './health.ts';

/** What a session check found; `temporary` when the check itself could not be made (network, provider down). */
export interface SessionCheckResult {
  valid: boolean;
  message: string;
  actionRequired: string | null;
  temporary: boolean;
}

export interface SessionCheckInput {
  kind: AccountKind;
  credentials: AccountCredentials;
  /** The stored account; null at connect time, before it exists. */
  account: Account | null;
  signal: AbortSignal;
}

export type SessionChecker = (input: SessionCheckInput) => Promise<SessionCheckResult>;

export interface GraphSettings {
  graphBaseUrl: string;
  instagramBaseUrl: string;
  version: string;
  timeoutMs: number;
}

/** Meta kinds: the token checked against the Graph API (the same check the Meta worker's publisher makes). */
function metaChecker(client: GraphClient): SessionChecker {
  return async ({ kind, credentials, signal }) => {
    const check = await checkMetaAccount(client, { kind, credentials }, signal);
    return { valid: check.valid, message: check.message, actionRequired: check.actionRequired, temporary: check.temporary ?? false };
  };
}

/**
 * Browser sessions are checked by a worker in a browser; without one, the answer comes from what
 * is stored: known invalid, or its age.
 */
const storedBrowserSession: SessionChecker = async ({ account }) => {
  if (!account) return { valid: true, message: 'The session was stored; it has not been checked in a browser', actionRequired: null, temporary: false };
  const age = sessionAgeDays(account, new Date()) ?? 0;
  if (account.sessionValid === false) {
    return {
      valid: false,
      message: `The session is known to be invalid: ${account.sessionMessage ?? 'a publication found it logged out'}`,
      actionRequired: 'Log in to Facebook again, export the storage state and update the session (PUT /api/accounts/:id/session)',
      temporary: false,
    };
  }
  const stale = age >= STALE_SESSION_DAYS;
  return {
    valid: true,
    message: `The stored session is ${age} day(s) old and not known to be invalid`,
    actionRequired: stale ? 'Refresh the session: Facebook tends to expire sessions after about 30 days' : null,
    temporary: false,
  };
};

/** The session checker of each account kind (`POST /api/accounts/:id/validate-session`, connect-time checks). */
export function createSessionCheckers(graph: GraphSettings): Record<AccountKind, SessionChecker> {
  const meta = metaChecker(new GraphClient(graph));
  return {
    facebook_page: meta,
    instagram_business: meta,
    facebook_browser: storedBrowserSession,
  };
}

/** Kinds whose credentials are checked before they are saved (create, session update). */
export const checkedAtConnect: ReadonlySet<AccountKind> = new Set(['facebook_page', 'instagram_business']);
