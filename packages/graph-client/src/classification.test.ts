import { describe, expect, it } from 'vitest';
import { ABUSE_BLOCK_WAIT_MS, classificationTable, classifyGraphFailure, ROLLING_WINDOW_MS, type GraphClassification } from './classification.ts';
import { GraphApiError, GraphNetworkError, type GraphErrorBody } from './graph-client.ts';
import { toPublishError } from './publish-error.ts';

const graphError = (error: GraphErrorBody, options: { status?: number; regainMinutes?: number; write?: boolean } = {}) =>
  new GraphApiError(options.status ?? 400, error, { percent: 100, regainAccessMs: (options.regainMinutes ?? 0) * 60_000 }, options.write ?? true);

type Expected = Partial<GraphClassification>;
const temporary: Expected = { type: 'provider_unavailable', action: 'retry' };
const validation: Expected = { type: 'validation_error', action: 'fail' };

/** One case per row of the table (and of classificationTable). */
const rows: [row: string, examples: [GraphErrorBody, Expected, { status?: number; regainMinutes?: number; readBack?: boolean }?][]][] = [
  ['IG 9007 / 2207027', [[{ code: 9007, error_subcode: 2207027 }, { action: 'poll' }], [{ code: 100, error_subcode: 2207027 }, { action: 'poll' }]]],
  ['IG 2207008, 2207020', [[{ code: 100, error_subcode: 2207008 }, { action: 'new_container' }], [{ code: 100, error_subcode: 2207020 }, { action: 'new_container' }]]],
  ['IG 9 / 2207042', [[{ code: 9, error_subcode: 2207042 }, { type: 'rate_limit', action: 'quota', waitMs: ROLLING_WINDOW_MS }], [{ code: 9 }, { type: 'rate_limit', action: 'quota' }]]],
  ['IG 2207001, 2207003, 2207052, 2207053', [2207001, 2207003, 2207052, 2207053].map((sub) => [{ code: -2, error_subcode: sub }, temporary] as [GraphErrorBody, Expected])],
  ['IG 2207004/5/6/9/10/23/26/28/40', [2207004, 2207005, 2207006, 2207009, 2207010, 2207023, 2207026, 2207028, 2207040].map((sub) => [{ code: 100, error_subcode: sub }, validation] as [GraphErrorBody, Expected])],
  ['190 (any subcode) and 102', [undefined, 458, 459, 460, 463, 464, 467, 492].map((sub) => [{ code: 190, ...(sub ? { error_subcode: sub } : {}) }, { type: 'invalid_token', action: 'fail' }] as [GraphErrorBody, Expected]).concat([[{ code: 102 }, { type: 'invalid_token', action: 'fail' }]])],
  ['368', [[{ code: 368 }, { type: 'rate_limit', action: 'wait', waitMs: ABUSE_BLOCK_WAIT_MS, accountCooldown: true }]]],
  [
    '4, 17, 32, 341, 613, 80001, 80002',
    [
      ...[4, 17, 32, 341, 80001, 80002].map((c) => [{ code: c }, { type: 'rate_limit', action: 'wait', waitMs: ROLLING_WINDOW_MS, accountCooldown: true }] as [GraphErrorBody, Expected]),
      [{ code: 613, error_subcode: 1996 }, { type: 'rate_limit', action: 'wait', waitMs: 7 * 60_000 }, { regainMinutes: 7 }],
      [{ code: 80001 }, { type: 'rate_limit', waitMs: 12 * 60_000 }, { regainMinutes: 12 }],
    ],
  ],
  ['10 and 200-299', [10, 200, 210, 299].map((c) => [{ code: c }, { type: 'permission_denied', action: 'fail' }] as [GraphErrorBody, Expected])],
  ['100/33 while reading back', [[{ code: 100, error_subcode: 33 }, temporary, { readBack: true }]]],
  ['100 and 1609005', [[{ code: 100 }, validation], [{ code: 100, error_subcode: 33 }, validation], [{ code: 1609005 }, validation]]],
  ['506', [[{ code: 506 }, { type: 'duplicate', action: 'fail' }]]],
  ['1 and 2', [[{ code: 1 }, temporary], [{ code: 2 }, temporary]]],
  ['is_transient', [[{ code: 12345, is_transient: true }, temporary]]],
  ['HTTP 5xx', [[{ message: 'Bad gateway' }, temporary, { status: 502 }]]],
];

describe('Graph error classification', () => {
  it('has one case here per row of the table', () => {
    expect(rows.map(([row]) => row)).toHaveLength(classificationTable.length);
    rows.forEach(([row], index) => expect(classificationTable[index]!.name.startsWith(row)).toBe(true));
  });

  it.each(rows)('%s', (_row, examples) => {
    for (const [body, expected, options] of examples) {
      const error = graphError(body, options);
      expect(classifyGraphFailure(error, { readBack: options?.readBack ?? false }), JSON.stringify(body)).toMatchObject(expected);
    }
  });

  it('network failures and timeouts are network_error, unknown outcome for writes', () => {
    expect(classifyGraphFailure(new GraphNetworkError('x', false, true, null))).toEqual({ type: 'network_error', action: 'retry', outcomeUnknown: true });
    expect(classifyGraphFailure(new GraphNetworkError('x', true, false, null))).toEqual({ type: 'network_error', action: 'retry', outcomeUnknown: false });
  });

  it('a 5xx after a write has an unknown outcome; a 4xx does not', () => {
    expect(classifyGraphFailure(graphError({ code: 2 }, { status: 500 })).outcomeUnknown).toBe(true);
    expect(classifyGraphFailure(graphError({ code: 100 })).outcomeUnknown).toBe(false);
  });

  it("anything else is unknown (retried), never a bare 'Unknown Error' to the user", () => {
    const error = graphError({ code: 12345, message: 'Something odd', error_user_msg: 'Please try again later' });
    expect(classifyGraphFailure(error)).toMatchObject({ type: 'unknown', action: 'retry' });
    const published = toPublishError(error);
    expect(published.message).toBe('(#12345) Please try again later [Something odd]');
    expect(published.code).toBe('12345');
  });

  it("keeps Meta's own (#code) prefix and gives the subcode in the code", () => {
    const published = toPublishError(graphError({ code: 190, error_subcode: 463, message: '(#190) Error validating access token: Session has expired' }));
    expect(published).toMatchObject({ type: 'invalid_token', code: '190/463', message: '(#190) Error validating access token: Session has expired' });
  });
});
