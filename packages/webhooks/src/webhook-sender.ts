import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, request } from 'undici';
import { bareHost, isPublicAddress, type AddressPolicy } from './address-policy.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';

export interface WebhookCallResult {
  /** Null when no answer came (refused address, DNS, connection, timeout). */
  statusCode: number | null;
  durationMs: number;
  /** Why the call failed (a non-2xx answer included); null on success. */
  error: string | null;
}

export interface WebhookSender {
  send(call: { url: string; secret: string; body: string }): Promise<WebhookCallResult>;
  close(): Promise<void>;
}

/**
 * Resolves as dns.lookup does, then refuses the connection if any address is not public: the
 * check happens on the address actually connected to, so a host that resolved to a public
 * address at registration and to a private one now (DNS rebinding) is still refused.
 */
function publicOnlyLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.find((a) => !isPublicAddress(a.address));
      if (refused) {
        return callback(Object.assign(new Error(`${hostname} resolves to ${refused.address}, which is not a public address`), { code: 'EADDRNOTPUBLIC' }), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * POSTs signed webhook bodies: never follows a redirect, reads no answer body (it is discarded
 * unread), gives up after `timeoutMs`, and connects only to public addresses unless allowed.
 */
export function createWebhookSender(policy: AddressPolicy & { timeoutMs: number }): WebhookSender {
  const agent = new Agent({
    connect: { timeout: policy.timeoutMs, ...(policy.allowPrivate ? {} : { lookup: publicOnlyLookup() }) },
    headersTimeout: policy.timeoutMs,
    bodyTimeout: policy.timeoutMs,
  });
  return {
    async send({ url, secret, body }) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      // A literal IP is connected to without a lookup: check it here.
      const host = bareHost(new URL(url).hostname);
      if (!policy.allowPrivate && ipaddr.isValid(host) && !isPublicAddress(host)) {
        return { statusCode: null, durationMs: 0, error: `${host} is not a public address` };
      }
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher: agent,
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'autoposter-webhooks/1',
            [SIGNATURE_HEADER]: signatureHeader(secret, body),
          },
          signal: AbortSignal.timeout(policy.timeoutMs),
        });
        await response.body.dump();
        const ok = response.statusCode >= 200 && response.statusCode < 300;
        return { statusCode: response.statusCode, durationMs: elapsed(), error: ok ? null : `answered ${response.statusCode}` };
      } catch (err) {
        const cause = (err as { cause?: Error }).cause;
        return { statusCode: null, durationMs: elapsed(), error: (cause ?? (err as Error)).message };
      }
    },
    close: () => agent.close(),
  };
}
