import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@autoposter/db';
import { createTestApi, type TestApi } from '../test/test-app.ts';

describe('GET /api/artifacts/:id', () => {
  let api: TestApi;
  let owner: { token: string };
  let stranger: { token: string };
  let artifactId: string;
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);

  const get = (id: string, token: string | null) =>
    api.app.inject({ method: 'GET', url: `/api/artifacts/${id}`, headers: token ? api.auth(token) : {} });

  beforeAll(async () => {
    api = await createTestApi();
    const [a, b] = [await api.register(), await api.register()];
    owner = { token: a.token };
    stranger = { token: b.token };
    const [artifact] = await api.db.db
      .insert(schema.artifacts)
      .values({ userId: a.user.id, mime: 'image/webp', data: bytes })
      .returning();
    artifactId = artifact!.id;
  });
  afterAll(() => api.close());

  it('sends the owner the bytes with their type, privately cached', async () => {
    const res = await get(artifactId, owner.token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    expect(res.headers['cache-control']).toMatch(/^private/);
    expect(res.rawPayload.equals(bytes)).toBe(true);
  });

  it("answers 404 for another user's artifact and an unknown id", async () => {
    const res = await get(artifactId, stranger.token);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found' });
    expect((await get(crypto.randomUUID(), owner.token)).statusCode).toBe(404);
  });

  it('answers 400 for an id that is not a UUID', async () => {
    const res = await get('screenshot.png', owner.token);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('params.id');
  });

  it('answers 401 without a token or with a bad one', async () => {
    expect((await get(artifactId, null)).statusCode).toBe(401);
    expect((await get(artifactId, 'bad')).statusCode).toBe(401);
  });
});
