import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartForm, samplePng } from '@autoposter/media/test-samples';
import { SESSION_COOKIE } from '../plugins/auth.ts';
import { createTestApi, type TestApi } from '../test/test-app.ts';

/** A recognisable secret value that cannot appear by accident. */
const secret = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;

describe('secrets in logs and responses', () => {
  let api: TestApi;
  const password = secret('password');
  const wrongPassword = secret('wrong-password');
  const malformedPassword = secret('malformed-password');
  const browserCookie = secret('browser-cookie');
  const pageToken = secret('page-token');
  const newPageToken = secret('new-page-token');
  const rejectedToken = secret('rejected-token');
  const stateCookie = secret('state-cookie');
  const exportedCookie = secret('exported-cookie');
  const refreshedCookie = secret('refreshed-cookie');
  let token: string;
  const responses: (LightMyRequestResponse & { url: string })[] = [];

  const send = async (options: InjectOptions & { url: string }) => {
    const res = await api.app.inject(options);
    responses.push(Object.assign(res, { url: options.url }));
    return res;
  };

  beforeAll(async () => {
    api = await createTestApi({ LOG_LEVEL: 'trace' });
    const email = `secretive-${randomBytes(3).toString('hex')}@example.test`;
    await send({ method: 'POST', url: '/api/auth/register', payload: { email, password } });
    await send({ method: 'POST', url: '/api/auth/login', payload: { email, password: wrongPassword } });
    await send({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"email": "${email}", "password": "${malformedPassword}"`,
    });
    token = (await send({ method: 'POST', url: '/api/auth/login', payload: { email, password } })).json().token;
    const auth = api.auth(token);

    await send({ url: '/api/auth/me', headers: { ...auth, cookie: `${SESSION_COOKIE}=${token}; c_user=${browserCookie}` } });
    const page = await send({
      method: 'POST',
      url: '/api/accounts',
      headers: auth,
      payload: { kind: 'facebook_page', name: 'Page', credentials: { page_id: '42', access_token: pageToken } },
    });
    await send({
      method: 'POST',
      url: '/api/accounts',
      headers: auth,
      payload: { kind: 'facebook_browser', name: 'Browser', credentials: { storage_state: { cookies: [{ name: 'c_user', value: '1000100' }, { name: 'xs', value: stateCookie }], origins: [] } } },
    });
    const browser = await send({
      method: 'POST',
      url: '/api/accounts',
      headers: auth,
      payload: { kind: 'facebook_browser', name: 'Exported', credentials: { cookies: [{ name: 'c_user', value: '1000101' }, { name: 'xs', value: exportedCookie }] } },
    });
    await send({
      method: 'POST',
      url: '/api/accounts',
      headers: auth,
      payload: { kind: 'facebook_page', name: 'Rejected', credentials: { page_id: 42, access_token: rejectedToken } },
    });
    await send({ method: 'PUT', url: `/api/accounts/${page.json().id}/session`, headers: auth, payload: { access_token: newPageToken } });
    await send({
      method: 'PUT',
      url: `/api/accounts/${browser.json().id}/session`,
      headers: auth,
      payload: { cookies: [{ name: 'c_user', value: '1000101' }, { name: 'xs', value: refreshedCookie }] },
    });
    const form = multipartForm({ data: samplePng() });
    await send({ method: 'POST', url: '/api/media', payload: form.payload, headers: { ...form.headers, ...auth } });
  });
  afterAll(() => api.close());

  const credentialSecrets = () => [
    password,
    wrongPassword,
    malformedPassword,
    browserCookie,
    pageToken,
    newPageToken,
    rejectedToken,
    stateCookie,
    exportedCookie,
    refreshedCookie,
  ];

  it('drove every request it meant to', () => {
    expect(responses.map((res) => res.statusCode)).toEqual([201, 401, 400, 200, 200, 201, 201, 201, 400, 200, 200, 201]);
  });

  it('logs requests with their request id', () => {
    const lines = api.logs.map((line) => JSON.parse(line) as { reqId?: string; req?: { url?: string } });
    const requestLines = lines.filter((line) => line.req?.url?.startsWith('/api/'));
    expect(requestLines.length).toBeGreaterThanOrEqual(responses.length);
    expect(requestLines.every((line) => typeof line.reqId === 'string' && line.reqId.length > 0)).toBe(true);
  });

  it('never logs a password, token, cookie or credential', () => {
    const logs = api.logs.join('\n');
    for (const value of [...credentialSecrets(), token]) expect(logs, value).not.toContain(value);
  });

  it('never answers with a credential, and hands out the token only to sign in', () => {
    for (const res of responses) {
      for (const value of credentialSecrets()) expect(res.body, value).not.toContain(value);
    }
    const handingOut = responses.filter((res) => res.body.includes(token)).map((res) => res.url);
    expect(handingOut).toContain('/api/auth/login');
    expect(handingOut.every((url) => url === '/api/auth/login' || url === '/api/auth/register')).toBe(true);
  });
});
