import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { schema } from '@autoposter/db';
import { createUser } from '@autoposter/db/repositories/users';
import { createTestDatabase } from '@autoposter/testing';
import { SESSION_COOKIE } from '../plugins/auth.ts';
import { createTestApi, type TestApi } from '../test/test-app.ts';

const password = 'correct horse battery staple';

const post = (api: TestApi, url: string, payload: unknown) => api.app.inject({ method: 'POST', url, payload: payload as object });
const register = (api: TestApi, email: string, pass = password) => post(api, '/api/auth/register', { email, password: pass });
const login = (api: TestApi, email: string, pass = password) => post(api, '/api/auth/login', { email, password: pass });
const me = (api: TestApi, headers: Record<string, string> = {}) => api.app.inject({ url: '/api/auth/me', headers });

describe('auth', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ ADMIN_EMAILS: 'Boss@Example.test, other@example.test' });
  });
  afterAll(() => api.close());

  describe('register', () => {
    it('creates the first user as admin and returns a working token', async () => {
      const res = await register(api, 'First@Example.test');
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body.user).toEqual({ id: expect.any(String), email: 'first@example.test', role: 'admin' });
      const profile = await me(api, api.auth(body.token));
      expect(profile.statusCode).toBe(200);
      expect(profile.json()).toEqual(body.user);
    });

    it('gives later users the user role, and admin to emails in ADMIN_EMAILS whatever their case', async () => {
      expect((await register(api, 'second@example.test')).json().user.role).toBe('user');
      expect((await register(api, 'boss@EXAMPLE.test')).json().user.role).toBe('admin');
    });

    it('sets the session cookie for Bull Board: httpOnly, SameSite=Strict', async () => {
      const res = await register(api, 'cookie@example.test');
      const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
      expect(cookie).toMatchObject({ value: res.json().token, httpOnly: true, sameSite: 'Strict', path: '/admin' });
    });

    it('answers 409 for an email that exists, in any case', async () => {
      await register(api, 'taken@example.test');
      const res = await register(api, 'TAKEN@example.test');
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'email_taken', error: expect.any(String) });
    });

    it('stores a salted scrypt hash, never the password', async () => {
      const first = (await register(api, 'hash1@example.test')).json().user;
      const second = (await register(api, 'hash2@example.test')).json().user;
      const rows = await api.db.db.select().from(schema.users).where(eq(schema.users.id, first.id));
      const [other] = await api.db.db.select().from(schema.users).where(eq(schema.users.id, second.id));
      expect(rows[0]!.passwordHash).toMatch(/^scrypt\$/);
      expect(rows[0]!.passwordHash).not.toContain(password);
      expect(rows[0]!.passwordHash).not.toBe(other!.passwordHash);
    });

    it.each([
      ['a malformed email', { email: 'not-an-email', password }, 'body.email'],
      ['a short password', { email: 'short@example.test', password: 'seven77' }, 'body.password'],
      ['a missing password', { email: 'missing@example.test' }, 'body.password'],
      ['a missing email', { password }, 'body.email'],
      ['a password that is not a string', { email: 'num@example.test', password: 123456789 }, 'body.password'],
      ['an unknown field', { email: 'extra@example.test', password, role: 'admin' }, 'body.role'],
    ])('answers 400 naming the field for %s', async (_case, payload, field) => {
      const res = await post(api, '/api/auth/register', payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation_error' });
      expect(res.json().error).toContain(field);
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        headers: { 'content-type': 'application/json' },
        payload: '{"email": "x@example.test", "password": ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'The request body is not valid JSON', code: 'invalid_body' });
    });
  });

  describe('login', () => {
    beforeAll(async () => {
      await register(api, 'login@example.test');
    });

    it('returns the user and a token, whatever the email case', async () => {
      const res = await login(api, 'LOGIN@example.test');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.user).toMatchObject({ email: 'login@example.test', role: 'user' });
      expect((await me(api, api.auth(body.token))).json().email).toBe('login@example.test');
      expect(res.cookies.some((c) => c.name === SESSION_COOKIE && c.value === body.token)).toBe(true);
    });

    it('answers 401 with the same message for a wrong password and an unknown email', async () => {
      const wrongPassword = await login(api, 'login@example.test', 'not the password');
      const unknownEmail = await login(api, 'nobody@example.test');
      expect(wrongPassword.statusCode).toBe(401);
      expect(unknownEmail.statusCode).toBe(401);
      expect(wrongPassword.json()).toEqual(unknownEmail.json());
      expect(wrongPassword.json().code).toBe('unauthorized');
      expect(wrongPassword.cookies).toEqual([]);
    });

    it('answers 400 for a body without a password', async () => {
      const res = await post(api, '/api/auth/login', { email: 'login@example.test' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toContain('body.password');
    });
  });

  describe('me', () => {
    it('answers 401 without a token, with a bad token, and with only the session cookie', async () => {
      const { token } = await api.register();
      const responses = [
        await me(api),
        await me(api, { authorization: 'Bearer not-a-jwt' }),
        await me(api, { authorization: `Bearer ${token.slice(0, -2)}xx` }),
        await me(api, { cookie: `${SESSION_COOKIE}=${token}` }),
        await me(api, { authorization: 'Basic dXNlcjpwYXNz', cookie: `${SESSION_COOKIE}=${token}` }),
        await me(api, { authorization: `Token ${token}` }),
      ];
      for (const res of responses) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ code: 'unauthorized', error: expect.any(String) });
      }
    });

    it('answers 401 for a tampered token even right after accepting the genuine one', async () => {
      const { token, user } = await api.register();
      expect((await me(api, api.auth(token))).statusCode).toBe(200);
      const [header, , signature] = token.split('.');
      const payload = { ...JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()), role: 'admin' };
      const forged = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
      const res = await me(api, api.auth(forged));
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'unauthorized' });
      expect((await me(api, api.auth(token))).json()).toEqual(user);
    });

    it('answers 401 once a token expires, even one it accepted before', async () => {
      const { token } = await api.register();
      expect((await me(api, api.auth(token))).statusCode).toBe(200);
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() + 8 * 24 * 60 * 60 * 1000); // the test app's tokens last 7 days
        const res = await me(api, api.auth(token));
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ code: 'unauthorized' });
      } finally {
        vi.useRealTimers();
      }
    });

    it('still reads the Bearer header however its scheme is cased', async () => {
      const { token, user } = await api.register();
      expect((await me(api, { authorization: `bearer ${token}` })).json()).toEqual(user);
      expect((await me(api, { authorization: `Bearer  ${token}` })).statusCode).toBe(401);
    });

    it('answers 401 for a token signed with another secret', async () => {
      const other = await createTestApi();
      try {
        const { token } = await other.register();
        expect((await me(api, api.auth(token))).statusCode).toBe(401);
      } finally {
        await other.close();
      }
    });
  });
});

describe('the first user', () => {
  it('is the only admin even when several register at once', async () => {
    const db = await createTestDatabase();
    try {
      const users = await Promise.all(
        Array.from({ length: 8 }, (_, i) => createUser(db.db, { email: `race${i}@example.test`, passwordHash: 'x' })),
      );
      expect(users.filter((user) => user?.role === 'admin')).toHaveLength(1);
    } finally {
      await db.destroy();
    }
  });
});

describe('login rate limit', () => {
  it('answers 429 with the error body once the per-minute limit is used up', async () => {
    const api = await createTestApi({ LOGIN_RATE_LIMIT: '3' });
    try {
      await register(api, 'limited@example.test');
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await login(api, 'limited@example.test', i === 0 ? password : 'wrong password')).statusCode);
      expect(statuses).toEqual([200, 401, 401]);
      const limited = await login(api, 'limited@example.test');
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toEqual({ error: expect.stringContaining('Too many login attempts'), code: 'rate_limited' });
      expect(limited.headers['retry-after']).toBeDefined();
      // Only login is limited.
      expect((await register(api, 'still-open@example.test')).statusCode).toBe(201);
    } finally {
      await api.close();
    }
  });
});
