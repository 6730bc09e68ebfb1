import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * Only public unicast addresses: never loopback, private, link-local (which holds the cloud
 * metadata endpoint 169.254.169.254), carrier-grade NAT, unique-local, multicast or reserved
 * ranges, nor an IPv6 address that embeds one (IPv4-mapped, 6to4, Teredo...).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

export class WebhookUrlError extends Error {
  override name = 'WebhookUrlError';
}

export interface AddressPolicy {
  /** Loopback and private addresses too (tests and the sandbox only). */
  allowPrivate: boolean;
}

/** `[::1]` -> `::1`: URL keeps IPv6 literals in brackets. */
const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Refuses, with a message naming the reason, a URL a webhook may not call: not https (http
 * only where private addresses are allowed), or a host that resolves to a non-public address.
 * Checked at registration; the sender checks every connection again (DNS can change).
 */
export async function assertWebhookUrl(value: string, policy: AddressPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WebhookUrlError('url must be an absolute https:// URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowPrivate && url.protocol === 'http:')) {
    throw new WebhookUrlError('url must use https://');
  }
  if (url.username || url.password) throw new WebhookUrlError('url must not carry a user name or password');
  if (policy.allowPrivate) return url;
  const host = bareHost(url.hostname);
  const addresses = ipaddr.isValid(host)
    ? [host]
    : await lookup(host, { all: true, verbatim: true }).then(
        (found) => found.map((a) => a.address),
        () => {
          throw new WebhookUrlError(`url's host ${host} does not resolve`);
        },
      );
  const refused = addresses.find((address) => !isPublicAddress(address));
  if (refused) throw new WebhookUrlError(`url's host ${host} resolves to ${refused}, which is not a public address`);
  return url;
}

export { bareHost };
