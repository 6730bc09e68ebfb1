import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AccountKind } from '@autoposter/db';
import { createBrowserSessionChecker } from '../accounts/browser-session-check.ts';
import { createSessionCheckers, type SessionChecker } from '../accounts/session-checks.ts';

declare module 'fastify' {
  interface FastifyInstance {
    sessionCheckers: Record<AccountKind, SessionChecker>;
  }
}

/**
 * One session checker per account kind (`app.sessionCheckers`), shared by the connect-time
 * checks and validate-session: Meta tokens against the Graph API, browser sessions through the
 * marketplace worker's `session-check` queue.
 */
export const sessionCheckers = fp(
  async (app: FastifyInstance) => {
    const browser = createBrowserSessionChecker({ redis: app.redis, prefix: app.config.redis.prefix, timeoutMs: app.config.sessionCheck.timeoutMs });
    app.decorate('sessionCheckers', createSessionCheckers(app.config.graph, browser));
    app.addHook('onClose', () => browser.close());
  },
  { name: 'session-checkers', dependencies: ['services'] },
);
