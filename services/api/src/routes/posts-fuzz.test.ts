import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../test/test-app.ts';
import { createPoster, type Poster } from '../posts/post-test-helpers.ts';

let api: TestApi;
let alice: Poster;

beforeAll(async () => {
  api = await createTestApi({ LOG_LEVEL: 'silent' });
  alice = await createPoster(api);
});
afterAll(() => api.close());

function send(rawBody: string, headers: Record<string, string> = {}) {
  return api.app.inject({
    method: 'POST',
    url: '/api/posts',
    headers: { ...alice.headers, 'content-type': 'application/json', ...headers },
    payload: rawBody,
  });
}

/** Never a 500; every refusal is the contract's JSON error body. */
function expectHandled(res: LightMyRequestResponse) {
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const body = res.json();
    expect(typeof body.error).toBe('string');
    expect(typeof body.code).toBe('string');
  }
}

/** Any code point, with the ones that trouble storage (NUL, lone surrogates) made frequent. */
const trickyCharacter = fc.oneof(
  fc.constantFrom('\u0000', '\ud800', '\udfff', '#'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const anyJson = fc.jsonValue({ stringUnit: trickyCharacter, maxDepth: 4 });

const bodyFields = ['title', 'body', 'price', 'currency', 'category', 'condition', 'location', 'link', 'media_ids', 'video_media_id', 'targets', 'scheduled_at', 'unexpected'];

/** A valid body with one field (top level or in a target) replaced, removed, or added. */
const mutatedBody = fc
  .record({
    field: fc.constantFrom(...bodyFields),
    targetField: fc.constantFrom('channel', 'account_id', 'target_id', 'extra'),
    inTarget: fc.boolean(),
    remove: fc.boolean(),
    value: anyJson,
  })
  .map(({ field, targetField, inTarget, remove, value }) => {
    const body = alice.fullBody();
    const target = (body.targets as Record<string, unknown>[])[1]!;
    const [container, key] = inTarget ? [target, targetField] : [body, field];
    if (remove) delete container[key];
    else container[key] = value;
    return body;
  });

describe('POST /api/posts under random input', () => {
  it('answers any JSON value without a server error', async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, async (value) => expectHandled(await send(JSON.stringify(value)))),
      { numRuns: 150 },
    );
  });

  it('answers mutations of a valid body without a server error', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedBody, async (body) => expectHandled(await send(JSON.stringify(body)))),
      { numRuns: 250 },
    );
  });

  it('answers text that is not JSON with a 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1 }).filter((text) => {
          try {
            JSON.parse(text);
            return false;
          } catch {
            return true;
          }
        }),
        async (text) => {
          const res = await send(text);
          expect(res.statusCode).toBe(400);
          expectHandled(res);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('answers any Idempotency-Key without a server error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\x21-\x7e]{0,300}$/), async (key) =>
        expectHandled(await send(JSON.stringify(alice.pageBody()), { 'idempotency-key': key })),
      ),
      { numRuns: 50 },
    );
  });
});
