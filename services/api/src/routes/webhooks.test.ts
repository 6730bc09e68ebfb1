import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecret } from '@autoposter/crypto';
import { schema } from '@autoposter/db';
import { createTestApi, type TestApi } from '../test/test-app.ts';

let api: TestApi;
let sandbox: TestApi;

beforeAll(async () => {
  api = await createTestApi();
  sandbox = await createTestApi({ WEBHOOK_ALLOW_PRIVATE: 'true' });
});
afterAll(async () => {
  await api.close();
  await sandbox.close();
});

const register = (target: TestApi, token: string, payload: unknown) =>
  target.app.inject({ method: 'POST', url: '/api/webhooks', headers: target.auth(token), payload: payload as object });

describe('webhooks', () => {
  it('registers a webhook, shows its secret once, stores it encrypted, and scopes everything to its owner', async () => {
    const alice = await sandbox.register();
    const bob = await sandbox.register();
    const created = await register(sandbox, alice.token, { url: 'http://127.0.0.1:9/hook', events: ['delivery.posted', 'job.completed'] });
    expect(created.statusCode).toBe(201);
    const hook = created.json();
    expect(hook).toMatchObject({ id: expect.any(String), url: 'http://127.0.0.1:9/hook', events: ['delivery.posted', 'job.completed'] });
    expect(hook.secret).toMatch(/^whsec_[\w-]{40,}$/);

    const [row] = await sandbox.db.db.select().from(schema.webhooks);
    expect(row!.secretEncrypted).not.toContain(hook.secret);
    expect(decryptSecret(sandbox.config.secrets, row!.secretEncrypted)).toBe(hook.secret);

    const listed = await sandbox.app.inject({ url: '/api/webhooks', headers: sandbox.auth(alice.token) });
    expect(listed.json().items).toEqual([{ id: hook.id, url: hook.url, events: hook.events, created_at: hook.created_at }]);
    expect(listed.body).not.toContain(hook.secret);
    expect((await sandbox.app.inject({ url: '/api/webhooks', headers: sandbox.auth(bob.token) })).json().items).toEqual([]);

    const bobsCalls = await sandbox.app.inject({ url: `/api/webhooks/${hook.id}/deliveries`, headers: sandbox.auth(bob.token) });
    expect(bobsCalls.statusCode).toBe(404);
    const calls = await sandbox.app.inject({ url: `/api/webhooks/${hook.id}/deliveries`, headers: sandbox.auth(alice.token) });
    expect(calls.json()).toEqual({ items: [] });

    const bobDeletes = await sandbox.app.inject({ method: 'DELETE', url: `/api/webhooks/${hook.id}`, headers: sandbox.auth(bob.token) });
    expect(bobDeletes.statusCode).toBe(404);
    const deleted = await sandbox.app.inject({ method: 'DELETE', url: `/api/webhooks/${hook.id}`, headers: sandbox.auth(alice.token) });
    expect(deleted.statusCode).toBe(204);
    expect((await sandbox.app.inject({ url: '/api/webhooks', headers: sandbox.auth(alice.token) })).json().items).toEqual([]);
  });

  it('answers 400 naming the field for bad input, and 401 without a token', async () => {
    const alice = await api.register();
    const cases: [unknown, string][] = [
      [{ url: 'https://hooks.example.com/x', events: [] }, 'body.events'],
      [{ url: 'https://hooks.example.com/x', events: ['post.created'] }, 'body.events'],
      [{ url: 'https://hooks.example.com/x', events: ['delivery.posted', 'delivery.posted'] }, 'body.events'],
      [{ events: ['delivery.posted'] }, 'body.url'],
      [{ url: 'not a url', events: ['delivery.posted'] }, 'body.url'],
      [{ url: 'ftp://hooks.example.com/x', events: ['delivery.posted'] }, 'body.url'],
      [{ url: 'http://hooks.example.com/x', events: ['delivery.posted'] }, 'body.url must use https://'],
    ];
    for (const [payload, message] of cases) {
      const response = await register(api, alice.token, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error).toContain(message);
    }
    expect((await api.app.inject({ method: 'POST', url: '/api/webhooks', payload: { url: 'https://x.example.com', events: ['delivery.posted'] } })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'DELETE', url: '/api/webhooks/nope', headers: api.auth(alice.token) })).statusCode).toBe(400);
  });

  it('refuses URLs that resolve to loopback, private, link-local or metadata addresses unless allowed', async () => {
    const alice = await api.register();
    for (const url of [
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://10.1.2.3/hook',
      'https://192.168.0.10/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://100.100.100.200/',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00:ec2::254]/',
      'https://0.0.0.0/',
    ]) {
      const response = await register(api, alice.token, { url, events: ['delivery.posted'] });
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toMatchObject({ code: 'webhook_url_refused' });
    }
    const allowed = await register(sandbox, (await sandbox.register()).token, { url: 'http://localhost:1/hook', events: ['account.health'] });
    expect(allowed.statusCode).toBe(201);
  });

  it('is published in the OpenAPI document', async () => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/webhooks', '/api/webhooks/{id}', '/api/webhooks/{id}/deliveries']));
  });
});
