import { ProcessGroup } from './process-group.ts';
import { freePort } from './free-port.ts';

export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILLs the server: everything it held is gone, as nothing is persisted. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A `redis-server` of its own on a free port, keeping nothing on disk, so a drill can kill or
 * empty it without touching anyone else's Redis.
 */
export async function startPrivateRedis(binary = process.env.REDIS_SERVER_PATH || 'redis-server'): Promise<PrivateRedis> {
  const port = await freePort();
  let server: ProcessGroup | null = null;
  const start = async () => {
    server = new ProcessGroup('redis', `${binary} --port ${port} --bind 127.0.0.1 --save '' --appendonly no --maxmemory-policy noeviction`, {
      cwd: process.cwd(),
      env: process.env as Record<string, string>,
    });
    await waitForPing(port, server);
  };
  const kill = async () => {
    server?.signal('SIGKILL');
    await server?.waitUntilGone(5_000);
    server = null;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    async stop() {
      server?.signal('SIGTERM');
      await server?.waitUntilGone(5_000);
      server = null;
    },
  };
}

async function waitForPing(port: number, server: ProcessGroup) {
  const { Socket } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(500, () => socket.destroy());
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
      socket.once('data', (data) => {
        resolve(data.toString().startsWith('+PONG'));
        socket.destroy();
      });
      socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    });
    if (answered) return;
    if (!server.isAlive()) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server on port ${port} did not start:\n${server.output()}`);
}
