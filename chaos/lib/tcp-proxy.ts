import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the services and Postgres that the drill controls: `cut()` closes every
 * connection through it and refuses new ones (each is closed as soon as it opens) until
 * `restore()`, as an outage of the database or of the network to it would.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private cutting = false;
  /** Connections refused while cut. */
  refused = 0;

  /** Listens on a free port in front of the database of `url`; answers the URL through the proxy. */
  async front(url: string): Promise<string> {
    const upstream = new URL(url);
    const upstreamPort = Number(upstream.port || 5432);
    const upstreamHost = upstream.hostname;
    this.server = createServer((client) => this.accept(client, upstreamHost, upstreamPort));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String((this.server.address() as { port: number }).port);
    return proxied.toString();
  }

  cut(): void {
    this.cutting = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.cutting = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket, host: string, port: number) {
    if (this.cutting) {
      this.refused++;
      client.destroy();
      return;
    }
    const server = createConnection({ host, port });
    for (const [from, to] of [
      [client, server],
      [server, client],
    ] as const) {
      this.sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}
