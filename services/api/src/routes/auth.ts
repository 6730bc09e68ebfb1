import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import rateLimit from '@fastify/rate-limit';
import Type from 'typebox';
import { userRoles } from '@autoposter/db';
import { createUser, findUserByEmail, findUserById, type User } from '@autoposter/db/repositories/users';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../accounts/password.ts';
import { SESSION_COOKIE } from '../plugins/auth.ts';
import { HttpError, conflict, unauthorized } from '../plugins/errors.ts';
import { Uuid, errorResponses } from '../schemas/common.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
const RegisterBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 8, maxLength: 1024, description: 'at least 8 characters' }) },
  { additionalProperties: false },
);
const LoginBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
const UserBody = Type.Object({ id: Uuid, email: Type.String(), role: Type.Enum(userRoles) });
const SessionBody = Type.Object({ user: UserBody, token: Type.String({ description: 'JWT for Authorization: Bearer' }) });

const userView = (user: User) => ({ id: user.id, email: user.email, role: user.role as (typeof userRoles)[number] });

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Registered here, not globally: only the login route is limited, and counts are shared across replicas.
  await app.register(rateLimit, {
    global: false,
    redis: app.redis,
    nameSpace: `${app.config.redis.prefix}:login-rate-limit:`,
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `Too many login attempts; try again in ${context.after}`),
  });

  /** Answers with the token, and sets it as an httpOnly cookie so an admin's browser can open Bull Board. */
  function startSession(reply: FastifyReply, user: User) {
    const view = userView(user);
    const token = app.signToken(view);
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: app.config.media.publicBaseUrl.startsWith('https://'),
      path: '/admin',
      maxAge: app.config.auth.jwtTtlSeconds,
    });
    return { user: view, token };
  }

  app.post(
    '/register',
    {
      schema: { tags: ['auth'], security: [], body: RegisterBody, response: { 201: SessionBody, ...errorResponses(400, 409) } },
    },
    async (request, reply) => {
      const email = request.body.email.toLowerCase();
      const user = await createUser(app.db, {
        email,
        passwordHash: await hashPassword(request.body.password),
        admin: app.config.auth.adminEmails.has(email),
      });
      if (!user) throw conflict('An account with this email already exists; sign in instead', 'email_taken');
      return reply.code(201).send(startSession(reply, user));
    },
  );

  app.post(
    '/login',
    {
      config: { rateLimit: { max: app.config.auth.loginRateLimitPerMinute, timeWindow: '1 minute' } },
      schema: { tags: ['auth'], security: [], body: LoginBody, response: { 200: SessionBody, ...errorResponses(400, 401, 429) } },
    },
    async (request, reply) => {
      const user = await findUserByEmail(app.db, request.body.email.trim());
      const matches = await verifyPassword(request.body.password, user?.passwordHash ?? (await decoyPasswordHash()));
      if (!user || !matches) throw unauthorized('Email or password is incorrect');
      return startSession(reply, user);
    },
  );

  app.get(
    '/me',
    { onRequest: app.authenticate, schema: { tags: ['auth'], response: { 200: UserBody, ...errorResponses(401) } } },
    async (request) => {
      const user = await findUserById(app.db, request.user.id);
      if (!user) throw unauthorized('This account no longer exists');
      return userView(user);
    },
  );
};
