import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Client } from '@autoposter/event-fanout';
import type { VerifyAccessToken } from './access-token.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Keeps checking the token a client connected with; a token that stops verifying closes it (4001). */
    watchToken(client: Client, token: string): void;
  }
}

/**
 * A token is only as good as its user: one whose user was deleted (or, with a revocation-aware
 * check, a token revoked) closes its open sockets and streams within one interval, as the
 * gateway refuses it within a minute. Each distinct token is checked once per interval.
 */
export const tokenRecheck = fp(
  async (app: FastifyInstance, options: { verify: VerifyAccessToken; intervalMs: number }) => {
    const tokens = new Map<Client, string>();
    app.decorate('watchToken', (client: Client, token: string) => {
      tokens.set(client, token);
      client.onClose(() => tokens.delete(client));
    });

    let running = false;
    const timer = setInterval(() => {
      if (running || tokens.size === 0) return;
      running = true;
      void recheck()
        .catch((err: unknown) => app.log.warn({ err }, 'rechecking tokens failed'))
        .finally(() => (running = false));
    }, options.intervalMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));

    async function recheck() {
      const byToken = new Map<string, Client[]>();
      for (const [client, token] of tokens) byToken.set(token, [...(byToken.get(token) ?? []), client]);
      for (const [token, clients] of byToken) {
        if (await options.verify(token)) continue;
        for (const client of clients) client.drop('token_revoked');
      }
    }
  },
  { name: 'token-recheck' },
);
