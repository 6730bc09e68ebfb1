import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Listens on a free local port, tells the parent benchmark which one over IPC, and closes
 * the app (then `cleanup`) on SIGTERM.
 */
export async function serveForBenchmark(app: FastifyInstance, cleanup: () => Promise<void> = async () => undefined) {
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(cleanup)
      .finally(() => process.exit(0));
  });
  process.send?.({ port: (app.server.address() as AddressInfo).port });
}
