import * as net from 'node:net';

/** Whether `host` (a name or an address, IPv6 with or without brackets) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) return bare === '::1' || /^::ffff:127\./.test(bare);
  return false;
}

/** Throws unless `url` points at loopback: the bench sends traffic nowhere else. */
export function assertLoopback(url: string, what: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new Error(`${what} is not a URL`);
  }
  if (!isLoopbackHost(host))
    throw new Error(`${what} must be on loopback (127.0.0.0/8, ::1 or localhost), not ${host}: the bench sends traffic to this machine only`);
}
