import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertWebhookUrl, isPublicAddress } from './address-policy.ts';
import { newWebhookSecret, signatureHeader, verifySignature } from './signature.ts';
import { createWebhookSender } from './webhook-sender.ts';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP receiver answering with `answer(n)` for its n-th call. */
function receiver(answer: (n: number) => { status: number; headers?: Record<string, string> }) {
  const calls: Received[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += String(chunk)));
    request.on('end', () => {
      calls.push({ headers: request.headers, body });
      const { status, headers } = answer(calls.length);
      response.writeHead(status, headers).end('an answer body that is never stored');
    });
  });
  const ready = new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
  return { calls, ready, close: () => new Promise((resolve) => server.close(resolve)) };
}

const ok = receiver(() => ({ status: 200 }));
const elsewhere = receiver(() => ({ status: 200 }));
let okUrl: string;
let elsewhereUrl: string;
const redirecting = receiver(() => ({ status: 302, headers: { location: `${elsewhereUrl}/moved` } }));
let redirectUrl: string;

beforeAll(async () => {
  [okUrl, elsewhereUrl, redirectUrl] = await Promise.all([ok.ready, elsewhere.ready, redirecting.ready]);
});
afterAll(async () => {
  await Promise.all([ok.close(), elsewhere.close(), redirecting.close()]);
});

describe('createWebhookSender', () => {
  const secret = newWebhookSecret();
  const body = JSON.stringify({ id: '1-0', type: 'delivery.posted', created_at: new Date().toISOString(), data: { post_id: 'p' } });

  it('POSTs the body with a signature the receiver can verify', async () => {
    const sender = createWebhookSender({ allowPrivate: true, timeoutMs: 5_000 });
    const result = await sender.send({ url: `${okUrl}/hook`, secret, body });
    await sender.close();
    expect(result).toMatchObject({ statusCode: 200, error: null });
    const [call] = ok.calls;
    expect(call!.body).toBe(body);
    expect(call!.headers['content-type']).toBe('application/json');
    const header = String(call!.headers['x-autoposter-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, call!.body, header)).toBe(true);
    expect(verifySignature(newWebhookSecret(), call!.body, header)).toBe(false);
    expect(verifySignature(secret, `${call!.body} `, header)).toBe(false);
  });

  it('does not follow a redirect: the call counts as failed', async () => {
    const sender = createWebhookSender({ allowPrivate: true, timeoutMs: 5_000 });
    const before = elsewhere.calls.length;
    const result = await sender.send({ url: redirectUrl.replace(/\/$/, ''), secret, body });
    await sender.close();
    expect(result).toMatchObject({ statusCode: 302, error: 'answered 302' });
    expect(elsewhere.calls.length).toBe(before);
  });

  it('refuses to connect to a private address, named or literal, unless allowed', async () => {
    const sender = createWebhookSender({ allowPrivate: false, timeoutMs: 5_000 });
    const before = ok.calls.length;
    const literal = await sender.send({ url: `${okUrl}/hook`, secret, body });
    const named = await sender.send({ url: `${okUrl.replace('127.0.0.1', 'localhost')}/hook`, secret, body });
    await sender.close();
    expect(literal).toMatchObject({ statusCode: null, error: expect.stringContaining('not a public address') });
    expect(named).toMatchObject({ statusCode: null, error: expect.stringContaining('not a public address') });
    expect(ok.calls.length).toBe(before);
  });
});

describe('addresses', () => {
  it('counts only public unicast addresses as public', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '224.0.0.1', 'nonsense']) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) expect(isPublicAddress(address), address).toBe(true);
  });

  it('checks a URL at registration: https only, no credentials, public hosts', async () => {
    const strict = { allowPrivate: false };
    await expect(assertWebhookUrl('https://8.8.8.8/hook', strict)).resolves.toBeInstanceOf(URL);
    await expect(assertWebhookUrl('http://8.8.8.8/hook', strict)).rejects.toThrow('https');
    await expect(assertWebhookUrl('https://user:pw@8.8.8.8/hook', strict)).rejects.toThrow('user name');
    await expect(assertWebhookUrl('https://localhost/hook', strict)).rejects.toThrow('not a public address');
    await expect(assertWebhookUrl('http://localhost/hook', { allowPrivate: true })).resolves.toBeInstanceOf(URL);
  });
});

describe('signatures', () => {
  it('refuses a stale timestamp', () => {
    const secret = newWebhookSecret();
    const header = signatureHeader(secret, '{}', new Date(Date.now() - 3_600_000));
    expect(verifySignature(secret, '{}', header)).toBe(false);
    expect(verifySignature(secret, '{}', header, { toleranceSeconds: 7_200 })).toBe(true);
  });
});
