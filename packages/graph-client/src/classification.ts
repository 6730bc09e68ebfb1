import type { ErrorType } from '@autoposter/publisher';
import { GraphApiError, GraphNetworkError, type GraphErrorBody } from './graph-client.ts';

/**
 * What a caller does about a Graph failure:
 * - `retry`: temporary, retried with the runtime's backoff;
 * - `wait`: throttled, try again after `waitMs` (from the headers, or the rule's default);
 * - `fail`: permanent;
 * - `poll`: the container is not ready yet, keep polling it;
 * - `new_container`: the container is gone (expired), make a new one;
 * - `quota`: Instagram's publishing limit, wait (no attempt used) until the rolling 24 h window
 *   frees a slot, which the caller finds out (`waitMs` is the fallback: the rolling hour).
 */
export type GraphAction = 'retry' | 'wait' | 'fail' | 'poll' | 'new_container' | 'quota';

export interface GraphClassification {
  type: ErrorType;
  action: GraphAction;
  /** How long to wait before the next try (`wait`). */
  waitMs?: number;
  /** The wait applies to the whole account (its cooldown), not only this delivery. */
  accountCooldown?: boolean;
  /** The write may have been applied (no answer, or a 5xx after a write). */
  outcomeUnknown: boolean;
}

const HOUR = 3_600_000;
/** Meta's rate limits are counted over a rolling hour: without an estimate, wait that long. */
export const ROLLING_WINDOW_MS = HOUR;
/** Code 368 (the account is temporarily blocked for abuse) lasts hours. */
export const ABUSE_BLOCK_WAIT_MS = 6 * HOUR;

interface Failure {
  status: number;
  error: GraphErrorBody;
  /** `estimated_time_to_regain_access` from the headers, in ms. */
  regainAccessMs: number;
  /** The call reads back what was just written (a permalink): 100/33 there means "not readable yet". */
  readBack: boolean;
}

interface Row {
  /** What the row covers, as the table names it (one test per row). */
  name: string;
  matches: (failure: Failure) => boolean;
  classify: (failure: Failure) => Omit<GraphClassification, 'outcomeUnknown'>;
}

const code = (...codes: number[]) => (failure: Failure) => codes.includes(failure.error.code ?? -1);
const subcode = (...codes: number[]) => (failure: Failure) => codes.includes(failure.error.error_subcode ?? -1);
const fixed = (type: ErrorType, action: GraphAction) => () => ({ type, action });
const waitFromHeaders = (failure: Failure) => ({
  type: 'rate_limit' as const,
  action: 'wait' as const,
  waitMs: failure.regainAccessMs > 0 ? failure.regainAccessMs : ROLLING_WINDOW_MS,
});

/** The table, first match wins: subcodes before the codes they come with. */
export const classificationTable: Row[] = [
  { name: 'IG 9007 / 2207027: the container is not ready, keep polling', matches: (f) => code(9007)(f) || subcode(2207027)(f), classify: fixed('provider_unavailable', 'poll') },
  { name: 'IG 2207008, 2207020: the container expired, make a new one', matches: subcode(2207008, 2207020), classify: fixed('provider_unavailable', 'new_container') },
  { name: 'IG 9 / 2207042: the publishing limit, wait for the window', matches: (f) => subcode(2207042)(f) || code(9)(f), classify: (f) => ({ ...waitFromHeaders(f), action: 'quota', accountCooldown: true }) },
  { name: 'IG 2207001, 2207003, 2207052, 2207053: temporary', matches: subcode(2207001, 2207003, 2207052, 2207053), classify: fixed('provider_unavailable', 'retry') },
  {
    name: 'IG 2207004/5/6/9/10/23/26/28/40: the media or caption is refused',
    matches: subcode(2207004, 2207005, 2207006, 2207009, 2207010, 2207023, 2207026, 2207028, 2207040),
    classify: fixed('validation_error', 'fail'),
  },
  { name: '190 (any subcode) and 102: invalid token', matches: code(190, 102), classify: fixed('invalid_token', 'fail') },
  { name: '368: blocked for a while, wait hours and cool the account down', matches: code(368), classify: (f) => ({ type: 'rate_limit', action: 'wait', waitMs: Math.max(f.regainAccessMs, ABUSE_BLOCK_WAIT_MS), accountCooldown: true }) },
  { name: '4, 17, 32, 341, 613, 80001, 80002: throttled, wait what the headers ask', matches: code(4, 17, 32, 341, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80014), classify: (f) => ({ ...waitFromHeaders(f), accountCooldown: true }) },
  { name: '10 and 200-299: permission denied', matches: (f) => code(10)(f) || ((f.error.code ?? 0) >= 200 && (f.error.code ?? 0) <= 299), classify: fixed('permission_denied', 'fail') },
  { name: '100/33 while reading back what was just written: not readable yet', matches: (f) => f.readBack && code(100)(f) && subcode(33)(f), classify: fixed('provider_unavailable', 'retry') },
  { name: '100 and 1609005: invalid parameter', matches: code(100, 1609005), classify: fixed('validation_error', 'fail') },
  { name: '506: duplicate post', matches: code(506), classify: fixed('duplicate', 'fail') },
  { name: '1 and 2: Meta-side temporary failure', matches: code(1, 2), classify: fixed('provider_unavailable', 'retry') },
  { name: 'is_transient: true', matches: (f) => f.error.is_transient === true, classify: fixed('provider_unavailable', 'retry') },
  { name: 'HTTP 5xx', matches: (f) => f.status >= 500, classify: fixed('provider_unavailable', 'retry') },
];

/** Maps any failure of a Graph call to a contract error type and what to do about it. */
export function classifyGraphFailure(error: unknown, options: { readBack?: boolean } = {}): GraphClassification {
  if (error instanceof GraphNetworkError) return { type: 'network_error', action: 'retry', outcomeUnknown: error.write };
  if (!(error instanceof GraphApiError)) return { type: 'unknown', action: 'retry', outcomeUnknown: true };
  const failure: Failure = { status: error.status, error: error.error, regainAccessMs: error.usage.regainAccessMs, readBack: options.readBack ?? false };
  const row = classificationTable.find((candidate) => candidate.matches(failure));
  const classified = row ? row.classify(failure) : { type: 'unknown' as const, action: 'retry' as const };
  // A write answered by a 5xx may have been applied; a 4xx says Meta refused it.
  return { ...classified, outcomeUnknown: error.write && error.status >= 500 };
}
