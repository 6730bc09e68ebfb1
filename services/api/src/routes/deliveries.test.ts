import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@autoposter/db';
import { insertAccount, insertPost } from '@autoposter/testing';
import { createTestApi, type TestApi } from '../test/test-app.ts';

describe('deliveries', () => {
  let api: TestApi;
  let owner: { token: string; id: string };
  let stranger: { token: string };
  let deliveryId: string;
  let artifactId: string;
  const firstStart = new Date('2026-03-01T10:00:00.000Z');

  const get = (url: string, token: string | null) =>
    api.app.inject({ method: 'GET', url, headers: token ? api.auth(token) : {} });

  beforeAll(async () => {
    api = await createTestApi();
    const [a, b] = [await api.register(), await api.register()];
    owner = { token: a.token, id: a.user.id };
    stranger = { token: b.token };
    const db = api.db.db;
    const account = await insertAccount(db, api.config.secrets, owner.id, 'facebook_page');
    const { deliveries } = await insertPost(db, owner.id, [{ channel: 'facebook_page', accountId: account.id, status: 'posted' }]);
    const delivery = deliveries[0]!;
    deliveryId = delivery.id;
    const [artifact] = await db
      .insert(schema.artifacts)
      .values({ userId: owner.id, deliveryId, mime: 'image/png', data: Buffer.from('png bytes') })
      .returning();
    artifactId = artifact!.id;
    // Inserted out of order: the endpoint must sort them.
    await db.insert(schema.deliveryAttempts).values([
      {
        deliveryId,
        userId: owner.id,
        attemptNo: 2,
        startedAt: new Date('2026-03-01T10:05:00.000Z'),
        finishedAt: new Date('2026-03-01T10:05:03.000Z'),
        outcome: 'posted',
        providerPostId: 'fb_123',
      },
      {
        deliveryId,
        userId: owner.id,
        attemptNo: 1,
        startedAt: firstStart,
        finishedAt: new Date('2026-03-01T10:00:04.000Z'),
        outcome: 'retrying',
        errorType: 'network_error',
        errorCode: 'ECONNRESET',
        errorMessage: 'The connection was reset',
        stackTrace: 'Error: reset\n    at publish',
        screenshotArtifactId: artifactId,
      },
    ]);
    await db.insert(schema.deliveryLogs).values([
      { deliveryId, attemptNo: 1, level: 'INFO', message: 'opening the page', fields: { step: 'open' } },
      { deliveryId, attemptNo: 1, level: 'ERROR', message: 'connection reset', fields: { step: 'upload', error_code: 'ECONNRESET' } },
      { deliveryId, attemptNo: 2, level: 'WARNING', message: 'slow response', fields: { duration_ms: 4200 } },
      { deliveryId, attemptNo: 2, level: 'INFO', message: 'posted', fields: { level: 'spoofed', provider_post_id: 'fb_123' } },
    ]);
  });
  afterAll(() => api.close());

  describe('GET /api/deliveries/:id', () => {
    it('shows the delivery with its attempts in order', async () => {
      const res = await get(`/api/deliveries/${deliveryId}`, owner.token);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        id: deliveryId,
        channel: 'facebook_page',
        status: 'posted',
        target_id: null,
        attempt_count: 0,
        last_error_type: null,
        last_error_code: null,
      });
      expect(Object.keys(body).sort()).toEqual(
        [
          'id', 'post_id', 'channel', 'account_id', 'target_id', 'status', 'attempt_count', 'next_attempt_at',
          'last_error_type', 'last_error_code', 'last_error_message', 'provider_post_id', 'permalink', 'posted_at',
          'created_at', 'updated_at', 'attempts',
        ].sort(),
      );
      expect(body.attempts).toEqual([
        {
          attempt_no: 1,
          started_at: firstStart.toISOString(),
          finished_at: '2026-03-01T10:00:04.000Z',
          outcome: 'retrying',
          error_type: 'network_error',
          error_code: 'ECONNRESET',
          error_message: 'The connection was reset',
          screenshot_url: `/api/artifacts/${artifactId}`,
        },
        {
          attempt_no: 2,
          started_at: '2026-03-01T10:05:00.000Z',
          finished_at: '2026-03-01T10:05:03.000Z',
          outcome: 'posted',
          error_type: null,
          error_code: null,
          error_message: null,
          provider_post_id: 'fb_123',
        },
      ]);
    });

    it('serves the linked screenshot to the owner', async () => {
      const { attempts } = (await get(`/api/deliveries/${deliveryId}`, owner.token)).json();
      const screenshot = await get(attempts[0].screenshot_url, owner.token);
      expect(screenshot.statusCode).toBe(200);
      expect(screenshot.rawPayload.toString()).toBe('png bytes');
    });

    it("answers 404 for another user's delivery and an unknown id", async () => {
      expect((await get(`/api/deliveries/${deliveryId}`, stranger.token)).statusCode).toBe(404);
      expect((await get(`/api/deliveries/${crypto.randomUUID()}`, owner.token)).statusCode).toBe(404);
    });

    it('answers 400 for an id that is not a UUID and 401 without a valid token', async () => {
      const res = await get('/api/deliveries/123', owner.token);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toContain('params.id');
      expect((await get(`/api/deliveries/${deliveryId}`, null)).statusCode).toBe(401);
      expect((await get(`/api/deliveries/${deliveryId}`, `${owner.token}x`)).statusCode).toBe(401);
    });

    it('hides the deliveries of a deleted post', async () => {
      const account = await insertAccount(api.db.db, api.config.secrets, owner.id, 'facebook_page');
      const { deliveries } = await insertPost(api.db.db, owner.id, [{ channel: 'facebook_page', accountId: account.id }], {
        deletedAt: new Date(),
      });
      expect((await get(`/api/deliveries/${deliveries[0]!.id}`, owner.token)).statusCode).toBe(404);
      expect((await get(`/api/deliveries/${deliveries[0]!.id}/logs`, owner.token)).statusCode).toBe(404);
    });
  });

  describe('GET /api/deliveries/:id/logs', () => {
    const logsUrl = (query = '') => `/api/deliveries/${deliveryId}/logs${query}`;

    it('lists the log lines in order with their fields', async () => {
      const res = await get(logsUrl(), owner.token);
      expect(res.statusCode).toBe(200);
      const { logs } = res.json();
      expect(logs.map((l: { message: string }) => l.message)).toEqual(['opening the page', 'connection reset', 'slow response', 'posted']);
      expect(logs[1]).toMatchObject({ level: 'ERROR', attempt_no: 1, step: 'upload', error_code: 'ECONNRESET' });
      expect(logs[2]).toMatchObject({ level: 'WARNING', attempt_no: 2, duration_ms: 4200 });
      expect(logs[3]).toMatchObject({ level: 'INFO', provider_post_id: 'fb_123' });
      expect(Number.isNaN(Date.parse(logs[0].timestamp))).toBe(false);
    });

    it.each(['INFO', 'WARNING', 'ERROR'])('filters to %s lines only', async (level) => {
      const { logs } = (await get(logsUrl(`?level=${level}`), owner.token)).json();
      expect(logs.length).toBeGreaterThan(0);
      expect(logs.every((l: { level: string }) => l.level === level)).toBe(true);
    });

    it('sends the same JSON as an attachment on download=1', async () => {
      const res = await get(logsUrl('?download=1'), owner.token);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="delivery-${deliveryId}-logs.json"`);
      expect(res.headers['content-type']).toContain('application/json');
      expect(res.json()).toEqual((await get(logsUrl(), owner.token)).json());
      expect((await get(logsUrl(), owner.token)).headers['content-disposition']).toBeUndefined();
    });

    it('answers 400 for an unknown level or download value', async () => {
      const badLevel = await get(logsUrl('?level=DEBUG'), owner.token);
      expect(badLevel.statusCode).toBe(400);
      expect(badLevel.json().error).toContain('querystring.level');
      expect((await get(logsUrl('?download=maybe'), owner.token)).statusCode).toBe(400);
      expect((await get(logsUrl('?download=2'), owner.token)).statusCode).toBe(400);
    });

    it("answers 404 for another user's logs, 400 for a bad id, 401 without a token", async () => {
      expect((await get(logsUrl(), stranger.token)).statusCode).toBe(404);
      expect((await get(logsUrl('?download=1'), stranger.token)).statusCode).toBe(404);
      expect((await get('/api/deliveries/nope/logs', owner.token)).statusCode).toBe(400);
      expect((await get(logsUrl(), null)).statusCode).toBe(401);
    });
  });
});
