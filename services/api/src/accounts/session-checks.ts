import type { AccountKind } from '@autoposter/db';
import type { Account } from '@autoposter/db/repositories/accounts';
import { GraphClient } from '@autoposter/graph-client';
import { checkMetaAccount } from '@autoposter/meta-publisher';
import { actionRequired, type BrowserSessionChecker } from './browser-session-check.ts';
import type { AccountCredentials } from './credentials.ts';

/** What a session check found; `temporary` when the check itself could not be made (network, provider down). */
export interface SessionCheckResult {
  valid: boolean;
  message: string;
  actionRequired: string | null;
  temporary: boolean;
  /** Browser accounts asked to check a flow: whether its form has every field the worker needs. */
  flowCheck?: { ok: boolean; missing: string[] };
  /** The checker recorded the result on the account and announced a change itself (the worker does). */
  recorded?: boolean;
}

export interface SessionCheckInput {
  kind: AccountKind;
  credentials: AccountCredentials;
  /** The stored account; null at connect time, before it exists. */
  account: Account | null;
  signal: AbortSignal;
  /** `marketplace`: browser accounts also open the create-listing form. */
  flow?: 'marketplace' | null;
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
 * Browser sessions are checked for real by the marketplace worker, which has the browser (the
 * gateway never starts one); it records the result and announces a change itself. Before the
 * account exists (connect time) there is nothing to visit yet.
 */
function browserChecker(browser: BrowserSessionChecker): SessionChecker {
  return async ({ account, flow }) => {
    if (!account) return { valid: true, message: 'The session was stored; it has not been checked in a browser', actionRequired: null, temporary: false };
    const answer = await browser.check(account, flow ?? null);
    return {
      valid: answer.valid,
      message: answer.message,
      actionRequired: actionRequired(account.id, answer),
      temporary: answer.temporary,
      ...(flow && answer.flow_check ? { flowCheck: answer.flow_check } : {}),
      recorded: true,
    };
  };
}

/** The session checker of each account kind (`POST /api/accounts/:id/validate-session`, connect-time checks). */
export function createSessionCheckers(graph: GraphSettings, browser: BrowserSessionChecker): Record<AccountKind, SessionChecker> {
  const meta = metaChecker(new GraphClient(graph));
  return {
    facebook_page: meta,
    instagram_business: meta,
    facebook_browser: browserChecker(browser),
  };
}

/** Kinds whose credentials are checked before they are saved (create, session update). */
export const checkedAtConnect: ReadonlySet<AccountKind> = new Set(['facebook_page', 'instagram_business']);
