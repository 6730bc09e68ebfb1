import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@autoposter/db';
import { streamIdTime } from '@autoposter/event-fanout';
import { appendEvents, eventStreamKey, type PlatformEvent } from '@autoposter/queue';
import { createTestDatabase, createTestRedis, eventually, insertPostingJob, insertUser, type TestDatabase, type TestRedis } from '@autoposter/testing';
import { metric, openSocket, signTestToken, startTestNotifier, testJwtSecret, type TestNotifier, type WsMessage } from '../test/test-notifier.ts';

let db: TestDatabase;
let redis: TestRedis;
let notifier: TestNotifier;
const jwtSecret = testJwtSecret();

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  notifier = await startTestNotifier({ db, redis, jwtSecret }, { HEARTBEAT_INTERVAL: '500ms', TOKEN_RECHECK_INTERVAL: '300ms' });
});
afterAll(async () => {
  await notifier.close();
  await redis.destroy();
  await db.destroy();
});

async function newUser() {
  const user = await insertUser(db.db);
  return { id: user.id, token: signTestToken(jwtSecret, user.id) };
}

const updated = (userId: string, n: number, jobId: string | null = null): PlatformEvent => ({
  type: 'delivery.updated',
  user_id: userId,
  job_id: jobId,
  data: { n },
});

const append = (...events: PlatformEvent[]) => appendEvents(redis.client, redis.prefix, events);
const numbers = (messages: WsMessage[]) => messages.map((m) => m.data.n);
const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

/**
 * A TCP proxy in front of the test Redis: `cut()` closes every connection through it and closes
 * new ones at once (counted in `refused`) until `restore()`.
 */
async function cuttableRedis() {
  const upstream = new URL(redis.url);
  const sockets = new Set<Socket>();
  let cut = false;
  let refused = 0;
  const server = createServer((client) => {
    if (cut) {
      refused++;
      return client.destroy();
    }
    const toRedis = connect(Number(upstream.port || 6379), upstream.hostname);
    for (const [from, to] of [
      [client, toRedis],
      [toRedis, client],
    ] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused: () => refused,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore: () => (cut = false),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('authentication before the upgrade', () => {
  const refused = async (url: string, headers: Record<string, string> = {}) => {
    const error = await openSocket(url, headers).then(
      (s) => {
        s.socket.terminate();
        return null;
      },
      (err: { status?: number; body?: string }) => err,
    );
    expect(error?.status, url).toBe(401);
    expect(JSON.parse(error!.body!)).toMatchObject({ code: 'unauthorized' });
  };

  it('refuses missing, malformed, wrongly signed, expired and unknown-user tokens with 401 and no socket', async () => {
    const { id } = await newUser();
    const expired = createSigner({ key: jwtSecret, expiresIn: 1_000, clockTimestamp: Date.now() - 60_000 })({ sub: id });
    await refused(`${notifier.wsUrl}/ws`);
    await refused(`${notifier.wsUrl}/ws?token=not-a-jwt`);
    await refused(`${notifier.wsUrl}/ws`, { authorization: 'Bearer not.a.jwt' });
    await refused(`${notifier.wsUrl}/ws`, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    await refused(`${notifier.wsUrl}/ws?token=${signTestToken(testJwtSecret(), id)}`);
    await refused(`${notifier.wsUrl}/ws?token=${expired}`);
    await refused(`${notifier.wsUrl}/ws?token=${signTestToken(jwtSecret, 'not-a-uuid')}`);
    await refused(`${notifier.wsUrl}/ws?token=${signTestToken(jwtSecret, randomUUID())}`);
    await refused(`${notifier.wsUrl}/ws?token=${createSigner({ key: jwtSecret })({ email: 'no-sub@example.test' })}`);
  });

  it('accepts a Bearer header or ?token=, and never logs the query string token', async () => {
    const { token } = await newUser();
    const viaHeader = await openSocket(`${notifier.wsUrl}/ws`, { authorization: `Bearer ${token}` });
    const viaQuery = await openSocket(`${notifier.wsUrl}/ws?token=${token}`);
    viaHeader.socket.close();
    viaQuery.socket.close();
    await until('the open lines to be logged', () => notifier.logs.filter((l) => l.includes('websocket opened')).length >= 2);
    expect(notifier.logs.join('\n')).not.toContain(token);
    expect(notifier.logs.join('\n')).toContain('token=%5Bredacted%5D');
  });

  it('closes an open socket with 4001 when its token expires', async () => {
    const { id } = await newUser();
    const client = await openSocket(`${notifier.wsUrl}/ws?token=${signTestToken(jwtSecret, id, { expiresInMs: 1_500 })}`);
    const closed = await client.closed;
    expect(closed).toEqual({ code: 4001, reason: 'token expired' });
  });

  it("closes a deleted user's open socket (4001) within an interval of TOKEN_RECHECK_INTERVAL", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const aliceSocket = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}`);
    const bobSocket = await openSocket(`${notifier.wsUrl}/ws?token=${bob.token}`);
    await db.db.delete(schema.users).where(eq(schema.users.id, alice.id));
    expect(await aliceSocket.closed).toEqual({ code: 4001, reason: 'token no longer valid' });
    expect(bobSocket.socket.readyState).toBe(bobSocket.socket.OPEN);
    bobSocket.socket.close();
  });

  it('answers 400 naming a bad job_id or last_event_id, and 404 for another user\'s job', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const bobsJob = await insertPostingJob(db.db, bob.id, []);
    await expect(openSocket(`${notifier.wsUrl}/ws?token=${alice.token}&job_id=nope`)).rejects.toMatchObject({
      status: 400,
      body: expect.stringContaining('querystring.job_id must be a UUID'),
    });
    await expect(openSocket(`${notifier.wsUrl}/ws?token=${alice.token}&last_event_id=yesterday`)).rejects.toMatchObject({ status: 400 });
    await expect(openSocket(`${notifier.wsUrl}/ws?token=${alice.token}`, { 'last-event-id': 'x' })).rejects.toMatchObject({
      status: 400,
      body: expect.stringContaining('headers.last-event-id must be an event id'),
    });
    await expect(openSocket(`${notifier.wsUrl}/ws?token=${alice.token}&job_id=${bobsJob.id}`)).rejects.toMatchObject({ status: 404 });
  });
});

describe('routing', () => {
  it('sends each user only their own events, as {id, type, data}', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const aliceSocket = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}`);
    const bobSocket = await openSocket(`${notifier.wsUrl}/ws`, { authorization: `Bearer ${bob.token}` });
    for (let n = 1; n <= 10; n++) await append(updated(alice.id, n), updated(bob.id, 100 + n));
    const aliceGot = await aliceSocket.receive(10);
    const bobGot = await bobSocket.receive(10);
    expect(numbers(aliceGot)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(numbers(bobGot)).toEqual([101, 102, 103, 104, 105, 106, 107, 108, 109, 110]);
    expect(Object.keys(aliceGot[0]!).sort()).toEqual(['data', 'id', 'type']);
    expect(aliceGot[0]).toMatchObject({ type: 'delivery.updated', id: expect.stringMatching(/^\d+-\d+$/) });
    // Nothing else arrives later either.
    await append(updated(bob.id, 999), updated(alice.id, 11));
    await aliceSocket.receive(11);
    expect(aliceSocket.messages.every((m) => Number(m.data.n) < 100)).toBe(true);
    aliceSocket.socket.close();
    bobSocket.socket.close();
  });

  it('narrows a socket to one job with ?job_id=', async () => {
    const alice = await newUser();
    const [jobA, jobB] = [await insertPostingJob(db.db, alice.id, []), await insertPostingJob(db.db, alice.id, [])];
    const socket = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}&job_id=${jobA.id}`);
    await append(updated(alice.id, 1, jobB.id), updated(alice.id, 2, jobA.id), updated(alice.id, 3), updated(alice.id, 4, jobA.id));
    expect(numbers(await socket.receive(2))).toEqual([2, 4]);
    await append(updated(alice.id, 5, jobB.id), updated(alice.id, 6, jobA.id));
    expect(numbers(await socket.receive(3))).toEqual([2, 4, 6]);
    socket.socket.close();
  });

  it('starts a job socket at the job\'s start: what the job did before the client connected comes first, once', async () => {
    const alice = await newUser();
    const job = await insertPostingJob(db.db, alice.id, []);
    await append(updated(alice.id, 1, job.id), updated(alice.id, 2), updated(alice.id, 3, job.id));
    const socket = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}&job_id=${job.id}`);
    expect(numbers(await socket.receive(2))).toEqual([1, 3]);
    await append(updated(alice.id, 4, job.id));
    expect(numbers(await socket.receive(3))).toEqual([1, 3, 4]);
    // A client that names the last event it saw gets only what followed it.
    const resumed = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}&job_id=${job.id}&last_event_id=${socket.messages[1]!.id}`);
    expect(numbers(await resumed.receive(1))).toEqual([4]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(numbers(resumed.messages)).toEqual([4]);
    socket.socket.close();
    resumed.socket.close();
  });

  it('serves clients on two notifier instances alike', async () => {
    const second = await startTestNotifier({ db, redis, jwtSecret });
    try {
      const alice = await newUser();
      const bob = await newUser();
      const sockets = [
        await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}`),
        await openSocket(`${second.wsUrl}/ws?token=${alice.token}`),
        await openSocket(`${second.wsUrl}/ws?token=${bob.token}`),
      ];
      for (let n = 1; n <= 5; n++) await append(updated(alice.id, n), updated(bob.id, 10 + n));
      expect(numbers(await sockets[0]!.receive(5))).toEqual([1, 2, 3, 4, 5]);
      expect(numbers(await sockets[1]!.receive(5))).toEqual([1, 2, 3, 4, 5]);
      expect(numbers(await sockets[2]!.receive(5))).toEqual([11, 12, 13, 14, 15]);
      for (const s of sockets) s.socket.close();
    } finally {
      await second.close();
    }
  });
});

describe('replay', () => {
  it('a client that left after event 5 of 20 gets 6..20 exactly once, in order, while new events keep coming', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const first = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}`);
    for (let n = 1; n <= 5; n++) await append(updated(alice.id, n), updated(bob.id, -n));
    const seen = await first.receive(5);
    first.socket.close();
    await first.closed;
    for (let n = 6; n <= 12; n++) await append(updated(alice.id, n), updated(bob.id, -n));

    // Events 13..20 are appended one by one while the client reconnects and replays.
    const appending = (async () => {
      for (let n = 13; n <= 20; n++) {
        await append(updated(alice.id, n), updated(bob.id, -n));
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    })();
    const again = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}&last_event_id=${seen[4]!.id}`);
    await appending;
    const replayed = await again.receive(15);
    expect(numbers(replayed)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    await append(updated(alice.id, 21));
    expect(numbers(await again.receive(16)).at(-1)).toBe(21);
    expect(again.messages).toHaveLength(16);
    const ids = again.messages.map((m) => m.id!);
    expect(new Set(ids).size).toBe(ids.length);
    again.socket.close();
  });

  it('honours the Last-Event-ID header', async () => {
    const alice = await newUser();
    await append(updated(alice.id, 1));
    const firstId = (await redis.client.xrevrange(eventStreamKey(redis.prefix), '+', '-', 'COUNT', 1))[0]![0];
    await append(updated(alice.id, 2), updated(alice.id, 3));
    const socket = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}`, { 'last-event-id': firstId });
    expect(numbers(await socket.receive(2))).toEqual([2, 3]);
    socket.socket.close();
  });
});

describe('slow and dead clients', () => {
  /** A WebSocket client that completes the handshake and then never reads. */
  function stuckClient(port: number, token: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.once('data', (head) => {
        if (!String(head).startsWith('HTTP/1.1 101')) return reject(new Error(String(head)));
        socket.pause();
        resolve(socket);
      });
      socket.on('error', () => undefined);
    });
  }

  /** Reads a client's frames (server frames are not masked) up to the close frame, and answers its code and reason. */
  function closeFrameOf(socket: Socket): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 2) {
          const opcode = pending[0]! & 0x0f;
          const shortLength = pending[1]! & 0x7f;
          const offset = shortLength === 126 ? 4 : shortLength === 127 ? 10 : 2;
          if (pending.length < offset) return;
          const length = shortLength === 126 ? pending.readUInt16BE(2) : shortLength === 127 ? Number(pending.readBigUInt64BE(2)) : shortLength;
          if (pending.length < offset + length) return;
          const payload = pending.subarray(offset, offset + length);
          pending = pending.subarray(offset + length);
          if (opcode === 0x8) return resolve({ code: payload.readUInt16BE(0), reason: String(payload.subarray(2)) });
        }
      });
      socket.once('close', () => reject(new Error('the connection ended without a close frame')));
      socket.resume();
    });
  }

  it('closes a client that never reads with 1013 and a reason, while another client gets its events within a second of their append', async () => {
    const tight = await startTestNotifier({ db, redis, jwtSecret }, { CLIENT_BUFFER_BYTES: '65536' });
    try {
      const alice = await newUser();
      const bob = await newUser();
      const stuck = await stuckClient(Number(new URL(tight.url).port), alice.token);
      const reader = await openSocket(`${tight.wsUrl}/ws?token=${bob.token}`);
      // Once the stream is followed and the code warm, lags show the stuck client's effect, not a cold start.
      await append(updated(bob.id, -1));
      await reader.receive(1);
      reader.messages.length = 0;
      let stuckConnected = true;
      const lagsWhileStuckMs: number[] = [];
      reader.socket.on('message', (raw) => {
        if (stuckConnected) lagsWhileStuckMs.push(Date.now() - streamIdTime((JSON.parse(String(raw)) as WsMessage).id!));
      });
      const big = 'x'.repeat(64 * 1024);
      // Far more than the kernel's socket buffers hold, so the stuck client's backlog reaches the notifier.
      const appending = (async () => {
        for (let batch = 0; batch < 40; batch++) {
          await append(
            ...Array.from({ length: 10 }, (_, i) => [{ ...updated(alice.id, 0), data: { big } }, updated(bob.id, batch * 10 + i)]).flat(),
          );
        }
      })();
      const tooSlow = () => metric(tight, 'notifier_clients_dropped_total', { transport: 'ws', reason: 'too_slow' });
      await until('the stuck client to be dropped', async () => (await tooSlow()) === 1);
      stuckConnected = false;
      // Read what it was sent at once: the notifier cuts a client that does not answer its close frame within 2 s.
      expect(await closeFrameOf(stuck)).toEqual({ code: 1013, reason: 'client too slow: send buffer full' });
      expect(lagsWhileStuckMs.length).toBeGreaterThan(0);
      expect(Math.max(...lagsWhileStuckMs)).toBeLessThan(1_000);
      await appending;
      const got = await reader.receive(400, 20_000);
      expect(numbers(got)).toEqual(Array.from({ length: 400 }, (_, i) => i));
      expect(await tooSlow()).toBe(1);
      expect(reader.socket.readyState).toBe(reader.socket.OPEN);
      stuck.destroy();
      reader.socket.close();
    } finally {
      await tight.close();
    }
  });

  it('drops a socket that stops answering pings', async () => {
    const alice = await newUser();
    const socket = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}`);
    // ws answers pings automatically; a dead peer does not: stop the automatic pong.
    (socket.socket as unknown as { pong: () => void }).pong = () => undefined;
    const closed = await socket.closed;
    expect(closed.code).toBe(1006);
  });
});

describe('shutdown', () => {
  it('closes every socket with 1001', async () => {
    const leaving = await startTestNotifier({ db, redis, jwtSecret });
    const alice = await newUser();
    const socket = await openSocket(`${leaving.wsUrl}/ws?token=${alice.token}`);
    await leaving.close();
    expect(await socket.closed).toEqual({ code: 1001, reason: 'server going away' });
  });
});

describe('retention', () => {
  it('says replay.truncated first when the id is older than what the stream keeps, then sends what it keeps', async () => {
    const alice = await newUser();
    await append(updated(alice.id, 1));
    const oldId = (await redis.client.xrevrange(eventStreamKey(redis.prefix), '+', '-', 'COUNT', 1))[0]![0];
    await append(updated(alice.id, 2), updated(alice.id, 3), updated(alice.id, 4));
    await redis.client.xtrim(eventStreamKey(redis.prefix), 'MAXLEN', 2);
    const socket = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}&last_event_id=${oldId}`);
    const [truncated, ...kept] = await socket.receive(3);
    expect(truncated).toMatchObject({ type: 'replay.truncated', data: { last_event_id: oldId } });
    expect(numbers(kept)).toEqual([3, 4]);
    socket.socket.close();
  });
});

describe('operations', () => {
  it('answers /healthz, /readyz (Postgres and Redis) and /metrics with its clients, events and lag', async () => {
    const alice = await newUser();
    const socket = await openSocket(`${notifier.wsUrl}/ws?token=${alice.token}`);
    await append(updated(alice.id, 1));
    await socket.receive(1);
    expect((await notifier.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await notifier.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
    expect(await metric(notifier, 'notifier_clients', { transport: 'ws' })).toBeGreaterThanOrEqual(1);
    expect(await metric(notifier, 'notifier_events_sent_total', { transport: 'ws' })).toBeGreaterThanOrEqual(1);
    expect(await metric(notifier, 'notifier_event_lag_seconds_count', {})).toBeGreaterThanOrEqual(1);
    socket.socket.close();
  });

  it('answers /readyz 503 naming Redis while Redis is unreachable, and ready again once it is back', async () => {
    const proxy = await cuttableRedis();
    const behindProxy = await startTestNotifier({ db, redis: { ...redis, url: proxy.url }, jwtSecret });
    const readyz = () => behindProxy.app.inject({ url: '/readyz' });
    try {
      expect((await readyz()).statusCode).toBe(200);
      proxy.cut();
      // A ping already sent when the connection dropped waits for a reconnect: probe once the notifier is reconnecting.
      await eventually('the notifier to try Redis again', () => proxy.refused() > 0);
      const notReady = await eventually('a 503', async () => {
        const response = await readyz();
        return response.statusCode === 503 ? response : null;
      }, 10_000);
      expect(notReady.json()).toEqual({ status: 'not_ready', checks: { postgres: 'ok', redis: 'unreachable' } });
      proxy.restore();
      await eventually('ready again', async () => (await readyz()).statusCode === 200);
    } finally {
      proxy.restore();
      await behindProxy.close();
      proxy.cut();
      await proxy.close();
    }
  });
});
