// Webhooks end to end: registered on the gateway, called by the notifier from the event stream.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, type PlatformEvent } from '@autoposter/queue';
import { verifySignature } from '@autoposter/webhooks';
import { createTestApi, type TestApi } from '../services/api/src/test/test-app.ts';
import { startTestNotifier, type TestNotifier } from '../services/notifier/src/test/test-notifier.ts';
import { formatKeyring } from '@autoposter/config';

interface Call {
  body: string;
  signature: string;
}

/** A local receiver; `statuses` are its answers in turn (200 once they run out). */
function receiver(statuses: number[] = []) {
  const calls: Call[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += String(chunk)));
    request.on('end', () => {
      calls.push({ body, signature: String(request.headers['x-autoposter-signature']) });
      response.writeHead(statuses[calls.length - 1] ?? 200).end('ok');
    });
  });
  const url = new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/hook`)));
  return { calls, url, close: () => new Promise((resolve) => server.close(resolve)) };
}

let api: TestApi;
let notifier: TestNotifier;

beforeAll(async () => {
  api = await createTestApi({ WEBHOOK_ALLOW_PRIVATE: 'true' });
  notifier = await startNotifier();
});
afterAll(async () => {
  await notifier.close();
  await api.close();
});

function secretsOf(target: TestApi) {
  return formatKeyring(target.config.secrets.keys);
}

/** A notifier on the gateway's database and queue prefix; `env` replaces the default WEBHOOK_ALLOW_PRIVATE=true. */
function startNotifier(env: Record<string, string> = { WEBHOOK_ALLOW_PRIVATE: 'true' }) {
  return startTestNotifier(
    { db: api.db, redis: api.redis, jwtSecret: api.config.auth.jwtSecret },
    { WEBHOOK_RETRY_DELAYS: '100ms,100ms,100ms', SECRETS_KEYS: secretsOf(api), ...env },
  );
}

async function registerHook(token: string, url: string, events: string[]) {
  const response = await api.app.inject({ method: 'POST', url: '/api/webhooks', headers: api.auth(token), payload: { url, events } });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; secret: string };
}

const delivery = (userId: string, status: string, extra: Record<string, unknown> = {}): PlatformEvent => ({
  type: 'delivery.updated',
  user_id: userId,
  job_id: null,
  data: {
    id: crypto.randomUUID(),
    post_id: crypto.randomUUID(),
    channel: 'facebook_page',
    status,
    provider_post_id: status === 'posted' ? '1001_2002' : null,
    permalink: status === 'posted' ? 'https://www.facebook.com/1001/posts/2002' : null,
    last_error_message: status === 'failed' ? '(#200) Permissions error' : null,
    last_error_type: status === 'failed' ? 'permission_denied' : null,
    ...extra,
  },
});

const recordedCalls = async (hookId: string, token: string) =>
  (await api.app.inject({ url: `/api/webhooks/${hookId}/deliveries`, headers: api.auth(token) })).json().items as {
    event_id: string;
    attempt: number;
    status_code: number | null;
    error: string | null;
  }[];

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('webhook calls', () => {
  it("calls each user's own URLs once per subscribed event, signed, with our ids in the body", async () => {
    const alice = await api.register();
    const bob = await api.register();
    const aliceReceiver = receiver();
    const bobReceiver = receiver();
    const aliceHook = await registerHook(alice.token, await aliceReceiver.url, ['delivery.posted', 'job.completed']);
    const bobHook = await registerHook(bob.token, await bobReceiver.url, ['delivery.posted', 'delivery.failed']);
    try {
      const posted = delivery(alice.user.id, 'posted');
      await appendEvents(api.redis.client, api.redis.prefix, [
        delivery(alice.user.id, 'processing'),
        posted,
        delivery(alice.user.id, 'failed'),
        { type: 'job.progress', user_id: alice.user.id, job_id: null, data: { job_id: crypto.randomUUID(), status: 'completed', completed_posts: 1, failed_posts: 1, total_posts: 2 } },
        { type: 'job.progress', user_id: alice.user.id, job_id: null, data: { job_id: 'j', status: 'completed', completed_posts: 1, failed_posts: 1, total_posts: 2, final: true } },
        delivery(bob.user.id, 'failed'),
      ]);
      await until('alice and bob to be called', () => aliceReceiver.calls.length >= 2 && bobReceiver.calls.length >= 1);
      // Give a wrong extra call the time to show up.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(aliceReceiver.calls).toHaveLength(2);
      expect(bobReceiver.calls).toHaveLength(1);

      for (const call of aliceReceiver.calls) expect(verifySignature(aliceHook.secret, call.body, call.signature)).toBe(true);
      expect(verifySignature(bobHook.secret, bobReceiver.calls[0]!.body, bobReceiver.calls[0]!.signature)).toBe(true);
      expect(verifySignature(bobHook.secret, aliceReceiver.calls[0]!.body, aliceReceiver.calls[0]!.signature)).toBe(false);

      const bodies = aliceReceiver.calls.map((c) => JSON.parse(c.body));
      expect(bodies.map((b) => b.type).sort()).toEqual(['delivery.posted', 'job.completed']);
      const postedBody = bodies.find((b) => b.type === 'delivery.posted');
      expect(Object.keys(postedBody).sort()).toEqual(['created_at', 'data', 'id', 'type']);
      expect(postedBody.data).toMatchObject({
        post_id: posted.data.post_id,
        delivery_id: posted.data.id,
        channel: 'facebook_page',
        status: 'posted',
        permalink: 'https://www.facebook.com/1001/posts/2002',
        error: null,
      });
      const bobBody = JSON.parse(bobReceiver.calls[0]!.body);
      expect(bobBody).toMatchObject({ type: 'delivery.failed', data: { status: 'failed', error: '(#200) Permissions error', permalink: null } });

      const recorded = await api.app.inject({ url: `/api/webhooks/${aliceHook.id}/deliveries`, headers: api.auth(alice.token) });
      expect(recorded.json().items).toHaveLength(2);
      expect(recorded.json().items[0]).toMatchObject({ status_code: 200, attempt: 1, error: null, duration_ms: expect.any(Number) });
    } finally {
      await aliceReceiver.close();
      await bobReceiver.close();
    }
  });

  it('drops the calls of a webhook deleted before they were made', async () => {
    const alice = await api.register();
    const gone = receiver();
    const hook = await registerHook(alice.token, await gone.url, ['delivery.posted']);
    const kept = receiver();
    await registerHook(alice.token, await kept.url, ['delivery.posted']);
    try {
      const deleted = await api.app.inject({ method: 'DELETE', url: `/api/webhooks/${hook.id}`, headers: api.auth(alice.token) });
      expect(deleted.statusCode).toBe(204);
      await appendEvents(api.redis.client, api.redis.prefix, [delivery(alice.user.id, 'posted')]);
      await until('the remaining webhook to be called', () => kept.calls.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(gone.calls).toHaveLength(0);
    } finally {
      await gone.close();
      await kept.close();
    }
  });

  it('calls a receiver that answered 500 twice a third time, with the same event, and records each call', async () => {
    const alice = await api.register();
    const flaky = receiver([500, 500]);
    const hook = await registerHook(alice.token, await flaky.url, ['account.health']);
    try {
      await appendEvents(api.redis.client, api.redis.prefix, [
        { type: 'account.health', user_id: alice.user.id, data: { account_id: crypto.randomUUID(), health_status: 'error', session_valid: false, message: 'Session expired' } },
      ]);
      await until('the third call', () => flaky.calls.length >= 3);
      const ids = flaky.calls.map((c) => JSON.parse(c.body).id);
      expect(new Set(ids).size).toBe(1);
      for (const call of flaky.calls) expect(verifySignature(hook.secret, call.body, call.signature)).toBe(true);
      expect(JSON.parse(flaky.calls[2]!.body)).toMatchObject({ type: 'account.health', data: { status: 'error', error: 'Session expired' } });
      await until('three recorded calls', async () => {
        const calls = await api.app.inject({ url: `/api/webhooks/${hook.id}/deliveries`, headers: api.auth(alice.token) });
        return calls.json().items.length === 3;
      });
      const calls = (await api.app.inject({ url: `/api/webhooks/${hook.id}/deliveries`, headers: api.auth(alice.token) })).json().items;
      expect(calls.map((c: { attempt: number; status_code: number }) => [c.attempt, c.status_code])).toEqual([
        [3, 200],
        [2, 500],
        [1, 500],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(flaky.calls).toHaveLength(3);
    } finally {
      await flaky.close();
    }
  });
});

describe('webhook calls across notifier replicas and restarts', () => {
  it('makes exactly one call per event with two notifier replicas reading the stream', async () => {
    const second = await startNotifier();
    const alice = await api.register();
    const hook = receiver();
    const { id: hookId } = await registerHook(alice.token, await hook.url, ['delivery.posted']);
    try {
      const events = Array.from({ length: 10 }, () => delivery(alice.user.id, 'posted'));
      // In batches, so that the two replicas' followers read them in different groupings.
      for (let i = 0; i < events.length; i += 3) await appendEvents(api.redis.client, api.redis.prefix, events.slice(i, i + 3));
      await until('a call per event', () => hook.calls.length >= events.length);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(hook.calls).toHaveLength(events.length);
      const deliveryIds = hook.calls.map((c) => JSON.parse(c.body).data.delivery_id);
      expect(deliveryIds.sort()).toEqual(events.map((e) => e.data.id).sort());
      const recorded = await recordedCalls(hookId, alice.token);
      expect(recorded).toHaveLength(events.length);
      expect(recorded.every((call) => call.attempt === 1 && call.status_code === 200)).toBe(true);
    } finally {
      await second.close();
      await hook.close();
    }
  });

  it('calls for events appended while no notifier ran once one starts again (the shared cursor)', async () => {
    const alice = await api.register();
    const hook = receiver();
    await registerHook(alice.token, await hook.url, ['delivery.posted']);
    try {
      await notifier.close();
      const missed = [delivery(alice.user.id, 'posted'), delivery(alice.user.id, 'posted')];
      await appendEvents(api.redis.client, api.redis.prefix, missed);
      notifier = await startNotifier();
      await until('the calls of the events appended while it was down', () => hook.calls.length >= missed.length);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(hook.calls.map((c) => JSON.parse(c.body).data.delivery_id).sort()).toEqual(missed.map((e) => e.data.id).sort());
    } finally {
      await hook.close();
    }
  });

  it('refuses a private address at call time unless WEBHOOK_ALLOW_PRIVATE: no call, each attempt recorded with its reason', async () => {
    const alice = await api.register();
    const privateHook = receiver();
    // Registered on a gateway that allows private addresses (as in the sandbox), called by a notifier that does not.
    const { id: hookId } = await registerHook(alice.token, await privateHook.url, ['delivery.posted']);
    await notifier.close();
    const strict = await startNotifier({ WEBHOOK_RETRY_DELAYS: '50ms' });
    try {
      await appendEvents(api.redis.client, api.redis.prefix, [delivery(alice.user.id, 'posted')]);
      await until('both attempts to be recorded', async () => (await recordedCalls(hookId, alice.token)).length === 2);
      const recorded = await recordedCalls(hookId, alice.token);
      expect(recorded.map((call) => call.attempt)).toEqual([2, 1]);
      for (const call of recorded) expect(call).toMatchObject({ status_code: null, error: expect.stringContaining('127.0.0.1 is not a public address') });
      expect(privateHook.calls).toHaveLength(0);
    } finally {
      await strict.close();
      notifier = await startNotifier();
      await privateHook.close();
    }
  });
});
