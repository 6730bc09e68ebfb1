import Fastify from 'fastify';

export interface MediaServer {
  url: string;
  /** Serves `body` at `/files/<name>` and returns its URL. */
  put(name: string, body: Buffer, contentType?: string): string;
  close(): Promise<void>;
}

/** A stand-in for where media URLs point (the gateway's signed URLs), for tests of the fake and its callers. */
export async function startMediaServer(): Promise<MediaServer> {
  const files = new Map<string, { body: Buffer; contentType: string }>();
  const app = Fastify({ forceCloseConnections: true });
  app.get('/files/:name', async (request, reply) => {
    const file = files.get((request.params as { name: string }).name);
    if (!file) return reply.code(404).send({ error: 'no such file' });
    return reply.type(file.contentType).send(file.body);
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    put(name, body, contentType = 'application/octet-stream') {
      files.set(name, { body, contentType });
      return `${url}/files/${name}`;
    },
    close: () => app.close(),
  };
}
