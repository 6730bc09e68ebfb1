import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import rateLimit from '@fastify/rate-limit';
import Type from 'typebox';
import { effectiveRole } from '@autoposter/auth';
import { userRoles } from '@autoposter/db';
import { createUser, findUserByEmail, findUserById, revokeTokens, type User } from '@autoposter/db/repositories/users';
import { removeOwnerMedia } from '@autoposter/media';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../accounts/password.ts';
import { SESSION_COOKIE } from '../plugins/auth.ts';
import { HttpError, badRequest, conflict, unauthorized } from '../plugins/errors.ts';
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
const ChangePasswordBody = Type.Object(
  {
    current_password: Type.String({ minLength: 1, maxLength: 1024 }),
    new_password: Type.String({ minLength: 8, maxLength: 1024, description: 'at least 8 characters' }),
  },
  { additionalProperties: false },
);
const UserBody = Type.Object({ id: Uuid, email: Type.String(), role: Type.Enum(userRoles) });
const SessionBody = Type.Object({ user: UserBody, token: Type.String({ description: 'JWT for Authorization: Bearer' }) });
const NoContent = Type.Null({ description: 'no body' });

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Registered here, not globally: only the login route is limited, and counts are shared across replicas.
  await app.register(rateLimit, {
    global: false,
    redis: app.redis,
    nameSpace: `${app.config.redis.prefix}:login-rate-limit:`,
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `Too many login attempts; try again in ${context.after}`),
  });

  const userView = (user: User) => ({ id: user.id, email: user.email, role: effectiveRole(user, app.config.auth.adminEmails) });

  /** Answers with the token, and sets it as an httpOnly cookie so an admin's browser can open Bull Board. */
  function startSession(reply: FastifyReply, user: User) {
    const view = userView(user);
    const token = app.signToken(user);
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
      schema: { operationId: 'registerUser', summary: 'Register a user and sign in', tags: ['auth'], security: [], body: RegisterBody, response: { 201: SessionBody, ...errorResponses(400, 409) } },
    },
    async (request, reply) => {
      const email = request.body.email.toLowerCase();
      const user = await createUser(app.db, { email, passwordHash: await hashPassword(request.body.password) });
      if (!user) throw conflict('An account with this email already exists; sign in instead', 'email_taken');
      return reply.code(201).send(startSession(reply, user));
    },
  );

  app.post(
    '/login',
    {
      config: { rateLimit: { max: app.config.auth.loginRateLimitPerMinute, timeWindow: '1 minute' } },
      schema: { operationId: 'login', summary: 'Sign in with email and password', tags: ['auth'], security: [], body: LoginBody, response: { 200: SessionBody, ...errorResponses(400, 401, 429) } },
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
    { onRequest: app.authenticate, schema: { operationId: 'getCurrentUser', summary: 'The signed-in user', tags: ['auth'], response: { 200: UserBody, ...errorResponses(401) } } },
    async (request) => {
      const user = await findUserById(app.db, request.user.id);
      if (!user) throw unauthorized('This account no longer exists');
      return userView(user);
    },
  );

  app.post(
    '/logout-all',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'logoutAll',
        tags: ['auth'],
        summary: 'Sign out everywhere',
        description: 'Every token issued before now stops working, this one included (other services notice within a minute).',
        response: { 204: NoContent, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      if (!(await revokeTokens(app.db, request.user.id))) throw unauthorized('This account no longer exists');
      app.tokens.forget(request.user.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/password',
    {
      onRequest: app.authenticate,
      // A stolen token must not become a way to guess the password faster than login allows.
      config: { rateLimit: { max: app.config.auth.loginRateLimitPerMinute, timeWindow: '1 minute' } },
      schema: {
        operationId: 'changePassword',
        tags: ['auth'],
        summary: 'Change the password',
        description:
          'Needs the current password. Every token issued before stops working (this one included); the answer carries a fresh token, as login does, so the caller stays signed in.',
        body: ChangePasswordBody,
        response: { 200: SessionBody, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const user = await findUserById(app.db, request.user.id);
      if (!user) throw unauthorized('This account no longer exists');
      if (!(await verifyPassword(request.body.current_password, user.passwordHash))) {
        throw badRequest('current_password is incorrect', 'wrong_password');
      }
      const updated = await revokeTokens(app.db, user.id, { passwordHash: await hashPassword(request.body.new_password) });
      if (!updated) throw unauthorized('This account no longer exists');
      app.tokens.forget(user.id);
      return startSession(reply, updated);
    },
  );

  app.delete(
    '/me',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'deleteCurrentUser',
        tags: ['auth'],
        summary: 'Delete the account and everything it owns',
        description:
          'Cancels every delivery that has not started (their queued jobs are removed), then deletes the user, their accounts, media (files included), posts, deliveries, attempts, logs, screenshots and posting jobs. 409 while one of their posts is being published. Their tokens stop working at once here, within a minute elsewhere.',
        response: { 204: NoContent, ...errorResponses(401, 409) },
      },
    },
    async (request, reply) => {
      const userId = request.user.id;
      await app.engine.deleteUser(userId);
      app.tokens.forget(userId);
      // The rows are gone already: files that cannot be removed now are logged, not a failed deletion.
      await removeOwnerMedia(app.config.media.dir, userId).catch((err: unknown) =>
        request.log.error({ err, user_id: userId }, 'media files of a deleted user were left on disk'),
      );
      reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
      return reply.code(204).send(null);
    },
  );
};
