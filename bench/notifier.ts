// `pnpm bench notifier`: WebSocket fan-out of the notifier beside a bare `ws` server fed by Redis
// pub/sub, in the same run. CLIENTS sockets over USERS users; EVENTS events appended by a separate
// process at RATE per second, then EVENTS more in one burst. Latency is from the producer's send
// to a client's receipt (same machine clock). Also memory per connected client, and the time to
// replay 1,000 missed events to one client.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createSigner } from 'fast-jwt';
import WebSocket from 'ws';
import { schema } from '@autoposter/db';
import { appendEvents, eventStreamKey } from '@autoposter/queue';
import { createBenchDatabase, createBenchRedis, withCleanup } from './lib/bench-env.ts';
import { nextMessage, startChild } from './lib/processes.ts';
import { note, percentile, printTable, printVerdict, round } from './lib/report.ts';
import { pollUntil, sleep } from './lib/wait.ts';

const CLIENTS = Number(process.env.BENCH_NOTIFIER_CLIENTS ?? 1_000);
const USERS = Number(process.env.BENCH_NOTIFIER_USERS ?? 100);
const EVENTS = Number(process.env.BENCH_NOTIFIER_EVENTS ?? 20_000);
const RATE = Number(process.env.BENCH_NOTIFIER_RATE ?? 1_000);
const REPLAYED = 1_000;

const script = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const db = await createBenchDatabase(4);
const redis = createBenchRedis();
const channel = `${redis.prefix}:bare`;
const jwtSecret = randomBytes(32).toString('hex');
const sign = createSigner({ key: jwtSecret, expiresIn: 3_600_000 });

interface Client {
  socket: WebSocket;
  received: number;
}

/** Every client's receipts go here: latency (ms) of each message, and the last receipt's time. */
const receipts = { latencies: [] as number[], last: 0 };

function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const client: Client = { socket, received: 0 };
    socket.on('message', (raw) => {
      const now = Date.now();
      const { data } = JSON.parse(String(raw)) as { data: { t?: number } };
      client.received++;
      if (data.t !== undefined) receipts.latencies.push(now - data.t);
      receipts.last = now;
    });
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
  });
}

async function connectAll(urls: string[]): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < urls.length; i += 50) clients.push(...(await Promise.all(urls.slice(i, i + 50).map(connect))));
  return clients;
}

type RunningChild = Awaited<ReturnType<typeof startWithChild>>;

const isMemory = (m: unknown): m is { rss: number; heapUsed: number } => typeof (m as { rss?: unknown })?.rss === 'number';
async function memoryOf(server: RunningChild) {
  const reply = nextMessage(server.child, isMemory);
  server.child.send({ memory: true });
  return reply;
}

const isDone = (m: unknown): m is { done: true; elapsedMs: number } => (m as { done?: unknown })?.done === true;
const isReady = (m: unknown): m is { ready: true } => (m as { ready?: unknown })?.ready === true;

async function produce(mode: 'stream' | 'pubsub', users: string[], count: number, rate: number) {
  const producer = await startChild(script('./workers/event-producer.ts'), { BENCH_PREFIX: redis.prefix, BENCH_CHANNEL: channel, REDIS_URL: redis.url }, isReady);
  const done = nextMessage(producer.child, isDone);
  const started = Date.now();
  producer.child.send({ mode, users, count, rate });
  await done;
  await producer.stop();
  return started;
}

async function phase(name: string, mode: 'stream' | 'pubsub', clients: Client[], users: string[], rate: number) {
  receipts.latencies = [];
  const expected = (EVENTS * CLIENTS) / USERS;
  const before = clients.reduce((sum, c) => sum + c.received, 0);
  const started = await produce(mode, users, EVENTS, rate);
  const received = () => clients.reduce((sum, c) => sum + c.received, 0) - before;
  await pollUntil(async () => received() >= expected, 120_000, `${name}: ${expected} messages`).catch((err: Error) => note(err.message));
  const seconds = (receipts.last - started) / 1000;
  const l = receipts.latencies;
  return {
    phase: name,
    'events/s': Math.round(EVENTS / seconds),
    'messages/s': Math.round(received() / seconds),
    delivered: `${received()}/${expected}`,
    'p50 ms': percentile(l, 50),
    'p99 ms': percentile(l, 99),
    'max ms': percentile(l, 100),
  };
}

async function measure(label: string, server: RunningChild, urls: string[], mode: 'stream' | 'pubsub', users: string[]) {
  const idle = await memoryOf(server);
  const clients = await connectAll(urls);
  await sleep(1_000);
  const connected = await memoryOf(server);
  note(`${label}: ${clients.length} clients connected`);
  const steady = await phase(`${label} steady ${RATE}/s`, mode, clients, users, RATE);
  note(`${label}: steady phase done`);
  const burst = await phase(`${label} burst`, mode, clients, users, 0);
  note(`${label}: burst done`);
  for (const client of clients) client.socket.terminate();
  return {
    steady,
    burst,
    memory: { server: label, 'rss KiB/client': round((connected.rss - idle.rss) / 1024 / CLIENTS), 'heap KiB/client': round((connected.heapUsed - idle.heapUsed) / 1024 / CLIENTS) },
  };
}

async function startWithChild(path: string, env: Record<string, string>) {
  const { child, ready, stop } = await startChild(script(path), env, (m: unknown): m is { port: number } => typeof (m as { port?: unknown })?.port === 'number');
  return { url: `http://127.0.0.1:${ready.port}`, stop, child };
}

await withCleanup(
  async () => {
    const rows = await db.db
      .insert(schema.users)
      .values(Array.from({ length: USERS + 1 }, (_, i) => ({ email: `bench-${i}-${randomBytes(3).toString('hex')}@example.test`, passwordHash: 'x' })))
      .returning({ id: schema.users.id });
    const users = rows.slice(0, USERS).map((r) => r.id);
    const replayUser = rows[USERS]!.id;
    const tokens = new Map(rows.map((r) => [r.id, sign({ sub: r.id })]));

    const notifier = await startWithChild('./servers/notifier-server.ts', {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      JWT_SECRET: jwtSecret,
      SECRETS_KEYS: `v1=${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'warn',
    });
    const ws = notifier.url.replace('http', 'ws');
    const notifierRun = await measure('notifier', notifier, Array.from({ length: CLIENTS }, (_, i) => `${ws}/ws?token=${tokens.get(users[i % USERS]!)}`), 'stream', users);

    // Replay: 1,000 events of one user appended while it was away, then a reconnect with the last id it saw.
    const lastSeen = (await redis.client.xrevrange(eventStreamKey(redis.prefix), '+', '-', 'COUNT', 1))[0]![0];
    for (let n = 0; n < REPLAYED; n += 500) {
      await appendEvents(redis.client, redis.prefix, Array.from({ length: 500 }, (_, i) => ({ type: 'delivery.updated' as const, user_id: replayUser, data: { n: n + i } })));
    }
    const streamLength = await redis.client.xlen(eventStreamKey(redis.prefix));
    const replayStarted = performance.now();
    const replaying = await connect(`${ws}/ws?token=${tokens.get(replayUser)}&last_event_id=${lastSeen}`);
    await pollUntil(async () => replaying.received >= REPLAYED, 60_000, 'replay', 1);
    const replayMs = performance.now() - replayStarted;
    replaying.socket.terminate();
    await notifier.stop();

    const bare = await startWithChild('./servers/bare-ws-server.ts', { REDIS_URL: redis.url, BENCH_CHANNEL: channel });
    const bareWs = bare.url.replace('http', 'ws');
    const bareRun = await measure('bare ws', bare, Array.from({ length: CLIENTS }, (_, i) => `${bareWs}/?user=${users[i % USERS]}`), 'pubsub', users);
    await bare.stop();

    printTable(`${CLIENTS} clients over ${USERS} users, ${EVENTS} events per phase (${(EVENTS * CLIENTS) / USERS} messages)`, [notifierRun.steady, bareRun.steady, notifierRun.burst, bareRun.burst]);
    printTable('Memory per connected client (server process, after connecting all)', [notifierRun.memory, bareRun.memory]);
    printTable('Replay', [{ events: REPLAYED, 'stream length': streamLength, 'ms to receive all': Math.round(replayMs) }]);
    printVerdict('notifier steady p99', notifierRun.steady['p99 ms'] < 50, `${notifierRun.steady['p99 ms']} ms at ${RATE} events/s (target < 50 ms)`);
    const ratio = notifierRun.burst['messages/s'] / bareRun.burst['messages/s'];
    printVerdict('notifier burst throughput', ratio >= 0.5, `${round(ratio * 100)}% of the bare server's (target >= 50%)`);
  },
  () => db.drop(),
  () => redis.destroy(),
);
