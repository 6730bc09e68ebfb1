import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import { createTokenSigner, createTokenVerifier, TokenRejectedError, type AuthenticatedUser, type TokenVerifier } from '@autoposter/auth';
import type { Db } from '@autoposter/db';
import { unauthorized } from './errors.ts';

export type AuthUser = AuthenticatedUser;

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook (before the body is parsed or validated): 401 unless the request carries a valid token; sets request.user. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** An onRequest hook: 401 unless the token belongs to an admin (Bearer header or the session cookie). */
    authenticateAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** A token for the user in their current token generation (`users.token_generation`). */
    signToken(user: { id: string; tokenGeneration?: number }): string;
    tokens: TokenVerifier;
  }
  interface FastifyRequest {
    /** Set by `authenticate`: the user as the database has them now. */
    user: AuthUser;
  }
}

/** The cookie that lets an admin's browser open Bull Board, whose own requests carry no header. */
export const SESSION_COOKIE = 'autoposter_session';

/** The token of a well-formed `Authorization: Bearer <token>` header. */
function bearerToken(header: string | undefined): string | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const parts = header.split(' ');
  return parts.length === 2 && parts[1] ? parts[1] : undefined;
}

export interface AuthOptions {
  db: Db;
  secret: string;
  ttlSeconds: number;
  adminEmails: ReadonlySet<string>;
}

export const auth = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    await app.register(fastifyCookie);
    const sign = createTokenSigner({ secret: options.secret, ttlSeconds: options.ttlSeconds });
    const verifier = createTokenVerifier({ db: options.db, secret: options.secret, adminEmails: options.adminEmails });
    app.decorate('tokens', verifier);
    app.decorate('signToken', (user: { id: string; tokenGeneration?: number }) => sign({ sub: user.id, gen: user.tokenGeneration ?? 0 }));
    app.decorateRequest('user', null as unknown as AuthUser);

    async function userOf(request: FastifyRequest, token: string, refusal?: string): Promise<AuthUser> {
      try {
        return await verifier.verify(token);
      } catch (err) {
        if (!(err instanceof TokenRejectedError)) throw err;
        request.log.debug({ reason: err.reason }, 'token refused');
        throw unauthorized(refusal ?? (err.reason === 'unknown_user' || err.reason === 'revoked' || err.reason === 'expired' ? err.message : undefined));
      }
    }

    // API calls authenticate with the Authorization header only: a cookie would open them to CSRF.
    app.decorate('authenticate', async (request: FastifyRequest) => {
      if (!request.headers.authorization) throw unauthorized('Missing Authorization: Bearer <token> header');
      const token = bearerToken(request.headers.authorization);
      // Not a Bearer token (say `Basic ...`): refused, even with a session cookie beside it.
      if (!token) throw unauthorized();
      request.user = await userOf(request, token);
    });

    app.decorate('authenticateAdmin', async (request: FastifyRequest) => {
      const refusal = 'Admins only: sign in with an admin token';
      const token = request.headers.authorization ? bearerToken(request.headers.authorization) : request.cookies[SESSION_COOKIE];
      if (!token) throw unauthorized(refusal);
      request.user = await userOf(request, token, refusal);
      if (request.user.role !== 'admin') throw unauthorized(refusal);
    });
  },
  { name: 'auth' },
);
