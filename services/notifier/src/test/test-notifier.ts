import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createSigner } from 'fast-jwt';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { parseConfig } from '@autoposter/config';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection } from '@autoposter/queue';
import type { TestDatabase, TestRedis } from '@autoposter/testing';
import { buildNotifier } from '../app.ts';
import { notifierConfigSections, type NotifierConfig } from '../config.ts';

export interface TestNotifier {
  app: FastifyInstance;
  config: NotifierConfig;
  /** http://127.0.0.1:<port> */
  url: string;
  wsUrl: string;
  logs: string[];
  close(): Promise<void>;
}

/** A notifier listening on a free port (or `port`), on a test gateway's database and Redis prefix. */
export async function startTestNotifier(
  shared: { db: TestDatabase; redis: TestRedis; jwtSecret: string },
  overrides: Record<string, string> = {},
  port = 0,
): Promise<TestNotifier> {
  const config = parseConfig(notifierConfigSections, {
    DATABASE_URL: shared.db.url,
    REDIS_URL: shared.redis.url,
    QUEUE_PREFIX: shared.redis.prefix,
    JWT_SECRET: shared.jwtSecret,
    SECRETS_KEYS: `v1=${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'info',
    ...overrides,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const redis = createRedisConnection(shared.redis.url, 'producer');
  const workerRedis = new Redis(shared.redis.url, { maxRetriesPerRequest: null });
  const app = await buildNotifier({
    config,
    database: shared.db,
    redis,
    workerRedis,
    logger: createLogger({ service: 'notifier', level: config.logging.level, destination: sink }),
  });
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    config,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    logs,
    async close() {
      await app.close();
      redis.disconnect();
      workerRedis.disconnect();
    },
  };
}

export const testJwtSecret = () => randomBytes(32).toString('hex');

/** The value of a notifier's metric series that has all these labels (0 when it has none yet). */
export async function metric(notifier: TestNotifier, name: string, labels: Record<string, string>): Promise<number> {
  const text = (await notifier.app.inject({ url: '/metrics' })).body;
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return Number(line?.split(' ').at(-1) ?? 0);
}

/** A token as the gateway signs it (HS256, `sub`, `email`, `role`, `exp`). */
export function signTestToken(secret: string, sub: string, options: { expiresInMs?: number } = {}): string {
  const sign = createSigner({ key: secret, expiresIn: options.expiresInMs ?? 3_600_000 });
  return sign({ sub, email: 'someone@example.test', role: 'user' });
}

export interface WsMessage {
  id?: string;
  type: string;
  data: Record<string, unknown>;
}

export interface TestSocket {
  socket: WebSocket;
  messages: WsMessage[];
  /** Resolves with the first `count` messages once they arrived. */
  receive(count: number, timeoutMs?: number): Promise<WsMessage[]>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const messages: WsMessage[] = [];
    const waiters: (() => void)[] = [];
    socket.on('message', (raw) => {
      messages.push(JSON.parse(String(raw)) as WsMessage);
      for (const wake of waiters.splice(0)) wake();
    });
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.on('close', (code, reason) => {
        done({ code, reason: String(reason) });
        for (const wake of waiters.splice(0)) wake();
      }),
    );
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += String(chunk)));
      response.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${response.statusCode} ${body}`), { status: response.statusCode, body })));
    });
    socket.on('error', (err) => reject(err));
    socket.on('open', () =>
      resolve({
        socket,
        messages,
        closed,
        async receive(count, timeoutMs = 15_000) {
          const deadline = Date.now() + timeoutMs;
          while (messages.length < count) {
            if (Date.now() > deadline) throw new Error(`timed out: ${messages.length} of ${count} messages`);
            if (socket.readyState !== WebSocket.OPEN) throw new Error(`socket closed after ${messages.length} of ${count} messages`);
            await new Promise<void>((wake) => {
              waiters.push(wake);
              setTimeout(wake, 200);
            });
          }
          return messages.slice(0, count);
        },
      }),
    );
  });
}

export interface SseEvent {
  id?: string;
  data: Record<string, unknown>;
}

export interface TestEventStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: number;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  receive(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  abort(): void;
}

/** Opens a Server-Sent Events stream with fetch and parses it as EventSource would (id and data fields, comments). */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<TestEventStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const stream: TestEventStream = {
    status: response.status,
    headers: response.headers,
    events: [],
    comments: 0,
    ended: Promise.resolve(),
    async receive(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (stream.events.length < count) {
        if (Date.now() > deadline) throw new Error(`timed out: ${stream.events.length} of ${count} events`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return stream.events.slice(0, count);
    },
    abort: () => controller.abort(),
  };
  if (response.status !== 200 || !response.body) return stream;
  stream.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          if (lines.every((line) => line.startsWith(':'))) stream.comments++;
          const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
          const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
          if (data !== undefined) stream.events.push({ ...(id !== undefined ? { id } : {}), data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  })();
  return stream;
}
