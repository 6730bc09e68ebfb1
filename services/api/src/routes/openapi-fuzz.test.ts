import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUZZ_PROVIDER_ENV, fuzzOpenApi, operationsOf, rawSocketSender, refuseOutboundFetch } from '../test/openapi-fuzz.ts';
import { createTestApi, type TestApi } from '../test/test-app.ts';

// Every operation of /docs/json under hostile input (issue 16). A short run here; `pnpm bench
// fuzz` runs at least 10,000 requests, and FUZZ_RANDOM_PER_OPERATION sets the random share here.
const randomPerOperation = Number(process.env.FUZZ_RANDOM_PER_OPERATION ?? 4);

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ LOG_LEVEL: 'silent', ...FUZZ_PROVIDER_ENV });
});
afterAll(() => api.close());

describe('every operation of the OpenAPI document', () => {
  it('answers hostile input below 500, with the contract error body on every refusal', async () => {
    // Listening too, for the shapes only a raw socket can send (oversized headers, a bad Content-Length).
    const sendRaw = rawSocketSender(await api.app.listen({ port: 0, host: '127.0.0.1' }));
    const tally = await fuzzOpenApi(api.app, { randomPerOperation, sendRaw });
    expect(tally.operations).toBeGreaterThanOrEqual(30);
    expect(tally.serverErrors.slice(0, 5)).toEqual([]);
    expect(tally.withoutCode.slice(0, 5)).toEqual([]);
    expect(tally.unanswered.slice(0, 5)).toEqual([]);
    // Every operation that needs a token refused each bad one (3 unsigned, 7 signed with bad claims) with a 401.
    expect(tally.badTokensAccepted.slice(0, 5)).toEqual([]);
    const secured = operationsOf((await api.app.inject({ url: '/docs/json' })).json()).filter((operation) => operation.secured);
    expect(tally.badTokenChecks).toBe(secured.length * 10);
    // Each operation was reached with the fixed shapes, not skipped.
    for (const [operation, count] of tally.perOperation) expect(count, operation).toBeGreaterThanOrEqual(15 + randomPerOperation);
    expect(tally.statuses.get(431)).toBe(tally.operations);
  }, 240_000);

  it('keeps fetch off the internet while it runs (a route may call a provider)', async () => {
    const restore = refuseOutboundFetch();
    try {
      await expect(fetch('https://graph.facebook.com/v21.0/me')).rejects.toThrow(/off limits while fuzzing/);
    } finally {
      restore();
    }
  });
});
