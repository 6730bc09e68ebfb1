import { createServer } from 'node:net';

/** A TCP port nothing listens on right now, for a process that must be told its port before it starts. */
export const freePort = (host = '127.0.0.1') =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, host, () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
  });
