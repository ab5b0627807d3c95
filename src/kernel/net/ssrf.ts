// Outbound URLs that operators type (webhooks) must not reach the platform's own network: a URL is refused when
// its host is, or resolves to, a loopback, private, link-local (cloud metadata), CGNAT or otherwise reserved address.
// The check runs at publish time and again right before each request, on the address actually connected to.
import dns from 'node:dns/promises';
import net from 'node:net';

export class UnsafeUrlError extends Error {}

const V4_BLOCKED: [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

const v4ToInt = (ip: string) => ip.split('.').reduce((acc, p) => (acc << 8) + Number(p), 0) >>> 0;

export function isPrivateAddress(ip: string): boolean {
  if (net.isIPv4(ip)) {
    const n = v4ToInt(ip);
    return V4_BLOCKED.some(([base, bits]) => (n >>> (32 - bits)) === (v4ToInt(base) >>> (32 - bits)));
  }
  if (net.isIPv6(ip)) {
    const lower = ip.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return isPrivateAddress(mapped[1]);
    return lower === '::' || lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || lower.startsWith('ff');
  }
  return true;
}

/** Resolves the URL's host and returns an address that is safe to connect to, or throws UnsafeUrlError. */
export async function assertPublicUrl(raw: string, allowPrivate: boolean): Promise<{ url: URL; address: string }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UnsafeUrlError(`only http and https URLs are allowed, not ${url.protocol}`);
  if (url.username || url.password) throw new UnsafeUrlError('URLs with credentials are not allowed; use the signing secret');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new UnsafeUrlError(`the host "${host}" does not resolve`);
  if (!allowPrivate) {
    const bad = addresses.find(isPrivateAddress);
    if (bad) throw new UnsafeUrlError(`"${host}" resolves to the private address ${bad}; webhooks may only call public addresses`);
  }
  return { url, address: addresses[0] };
}
