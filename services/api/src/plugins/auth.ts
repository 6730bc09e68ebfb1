import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
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
    /** preHandler: 401 unless the request carries a valid token; sets request.user. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** preHandler: 401 unless the token belongs to an admin (Bearer header or the session cookie). */
    authenticateAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    signToken(user: AuthUser): string;
  }
}

/** The cookie that lets an admin's browser open Bull Board, whose own requests carry no header. */
export const SESSION_COOKIE = 'autoposter_session';

export const auth = fp(
  async (app: FastifyInstance, options: { secret: string; ttlSeconds: number }) => {
    await app.register(fastifyCookie);
    await app.register(fastifyJwt, {
      secret: options.secret,
      sign: { expiresIn: options.ttlSeconds },
      cookie: { cookieName: SESSION_COOKIE, signed: false },
      formatUser: (payload) => ({ id: payload.sub, email: payload.email, role: payload.role }),
    });

    app.decorate('signToken', (user: AuthUser) => app.jwt.sign({ sub: user.id, email: user.email, role: user.role }));

    // API calls authenticate with the Authorization header only: a cookie would open them to CSRF.
    app.decorate('authenticate', async (request: FastifyRequest) => {
      if (!request.headers.authorization) throw unauthorized('Missing Authorization: Bearer <token> header');
      try {
        await request.jwtVerify();
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
