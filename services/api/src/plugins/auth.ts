import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import fastifyJwt, { type FastifyJWT } from '@fastify/jwt';
import fastifyCookie from '@fastify/cookie';
import { unauthorized } from './errors.ts';

export interface AuthUser {
  id: string;
  email: string;
  role: 'admin' | 'user';
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; email: string; role: AuthUser['role'] };
    user: AuthUser;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook (before the body is parsed or validated): 401 unless the request carries a valid token; sets request.user. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** An onRequest hook: 401 unless the token belongs to an admin (Bearer header or the session cookie). */
    authenticateAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    signToken(user: AuthUser): string;
  }
}

/** The cookie that lets an admin's browser open Bull Board, whose own requests carry no header. */
export const SESSION_COOKIE = 'autoposter_session';

/**
 * How many verified tokens fast-jwt remembers. A client sends the same token on every call, so
 * most requests skip decoding and the HMAC. An entry is only ever a token that verified, and it
 * lapses at the token's `exp`: an expired token is verified again (and refused); a tampered one
 * is another string, so it misses the cache and fails verification.
 */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

const toAuthUser = (payload: FastifyJWT['payload']): AuthUser => ({ id: payload.sub, email: payload.email, role: payload.role });

/** The token of a well-formed `Authorization: Bearer <token>` header, as @fastify/jwt reads it. */
function bearerToken(header: string | undefined): string | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const parts = header.split(' ');
  return parts.length === 2 && parts[1] ? parts[1] : undefined;
}

export const auth = fp(
  async (app: FastifyInstance, options: { secret: string; ttlSeconds: number }) => {
    await app.register(fastifyCookie);
    await app.register(fastifyJwt, {
      secret: options.secret,
      sign: { expiresIn: options.ttlSeconds },
      verify: { cache: VERIFIED_TOKEN_CACHE_SIZE },
      cookie: { cookieName: SESSION_COOKIE, signed: false },
      formatUser: toAuthUser,
    });

    app.decorate('signToken', (user: AuthUser) => app.jwt.sign({ sub: user.id, email: user.email, role: user.role }));

    // API calls authenticate with the Authorization header only: a cookie would open them to CSRF.
    app.decorate('authenticate', async (request: FastifyRequest) => {
      if (!request.headers.authorization) throw unauthorized('Missing Authorization: Bearer <token> header');
      const token = bearerToken(request.headers.authorization);
      // Not a Bearer token (say `Basic ...`): refused, even with a session cookie beside it.
      if (!token) throw unauthorized();
      try {
        request.user = toAuthUser(app.jwt.verify<FastifyJWT['payload']>(token));
      } catch {
        throw unauthorized();
      }
    });

    app.decorate('authenticateAdmin', async (request: FastifyRequest) => {
      try {
        await request.jwtVerify();
      } catch {
        throw unauthorized('Admins only: sign in with an admin token');
      }
      if (request.user.role !== 'admin') throw unauthorized('Admins only: sign in with an admin token');
    });
  },
  { name: 'auth' },
);
