import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeFacebook, type FakeFacebook } from './server.ts';

let fake: FakeFacebook;
beforeAll(async () => {
  fake = await startFakeFacebook();
});
afterAll(() => fake?.close());

describe('fake Facebook', () => {
  it('answers /healthz without a session and without recording it as a visit', async () => {
    const res = await fetch(`${fake.url}/healthz`);
    expect(res.status).toBe(200);
    expect(fake.state.requests).toEqual([]);
  });
});
