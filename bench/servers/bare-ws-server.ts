// The baseline: a bare `ws` server whose clients say their user in the query string, fed by a
// Redis pub/sub channel; each message goes to that user's sockets. No auth, no replay, no
// buffer limits: the least a fan-out can do.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { answerMemoryRequests } from './memory-report.ts';

const byUser = new Map<string, Set<WebSocket>>();
const server = createServer();
const wss = new WebSocketServer({ server });
wss.on('connection', (socket, request) => {
  const user = new URL(request.url ?? '/', 'http://x').searchParams.get('user') ?? '';
  let set = byUser.get(user);
  if (!set) byUser.set(user, (set = new Set()));
  set.add(socket);
  socket.on('close', () => set.delete(socket));
});

const subscriber = new Redis(process.env.REDIS_URL!);
await subscriber.subscribe(process.env.BENCH_CHANNEL!);
subscriber.on('message', (_channel, message: string) => {
  const { user_id: userId, ...rest } = JSON.parse(message) as { user_id: string };
  const text = JSON.stringify(rest);
  for (const socket of byUser.get(userId) ?? []) socket.send(text);
});

answerMemoryRequests();
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.once('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate();
  subscriber.disconnect();
  server.close(() => process.exit(0));
});
