import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TokenHolder, VerifyAccessToken } from './access-token.ts';
import { unauthorized } from './errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook: 401 (and no upgrade) unless the request carries a valid token; sets request.holder. */
    authenticateClient(request: FastifyRequest): Promise<void>;
  }
  interface FastifyRequest {
    holder: TokenHolder & { token: string };
  }
}

/**
 * The token from `Authorization: Bearer` or, for browsers (which cannot set headers on a
 * WebSocket or an EventSource), `?token=`.
 */
function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) return /^Bearer ([^\s]+)$/i.exec(header)?.[1];
  const query = request.query as { token?: unknown } | undefined;
  return typeof query?.token === 'string' && query.token !== '' ? query.token : undefined;
}

export const authenticate = fp(
  async (app: FastifyInstance, options: { verify: VerifyAccessToken }) => {
    app.decorateRequest('holder', null as unknown as TokenHolder & { token: string });
    app.decorate('authenticateClient', async (request: FastifyRequest) => {
      const token = tokenOf(request);
      if (!token) throw unauthorized('Missing token: send Authorization: Bearer <token> or ?token=<token>');
      const holder = await options.verify(token);
      if (!holder) throw unauthorized('Invalid or expired token');
      request.holder = { ...holder, token };
    });
  },
  { name: 'authenticate' },
);
