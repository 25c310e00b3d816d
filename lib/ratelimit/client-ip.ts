import { isIP } from "node:net";

/**
 * The bucket for requests whose address can't be trusted or isn't known. Every such request shares
 * it, so a per-IP limit then applies to all of them together: one abusive client can use up the
 * limit for everyone. Set TRUSTED_PROXY_COUNT in deployments behind a proxy so this stays rare.
 */
export const UNKNOWN_CLIENT_IP = "unknown";

/** Anything with `get(name)`: a Request's headers, `await headers()` in Next.js, NextRequest. */
export type HeaderReader = { get(name: string): string | null };

/**
 * The client's IP address, as far as it can be trusted.
 *
 * - `trustedProxyCount` > 0: the app is reachable only through that many proxies, each appending
 *   the address it saw to X-Forwarded-For. The client is the entry that many hops from the right;
 *   entries further left were written by the client and may be anything. Without X-Forwarded-For,
 *   X-Real-IP (set by the nearest proxy), then the socket address.
 * - 0 (the default): forwarding headers are ignored, since any client can send them. Only the
 *   socket address counts.
 *
 * Next.js route handlers and proxy.ts get no socket address (NextRequest lost `.ip` in Next 15;
 * `next start` copies the socket address into X-Forwarded-For only when the client didn't send
 * one, so that header can't be told apart from a forged one). So under Next.js pass `undefined`
 * and set TRUSTED_PROXY_COUNT for the deployment; a custom Node server passes
 * `req.socket.remoteAddress`. With neither, the answer is UNKNOWN_CLIENT_IP.
 */
export function resolveClientIp(
  headers: HeaderReader,
  socketAddress: string | null | undefined,
  trustedProxyCount: number,
): string {
  if (trustedProxyCount > 0) {
    const forwardedFor = headers.get("x-forwarded-for");
    if (forwardedFor) {
      const hops = forwardedFor
        .split(",")
        .map((hop) => hop.trim())
        .filter(Boolean);
      // Fewer entries than trusted proxies: the request passed fewer proxies; the leftmost entry
      // was still written by one of them.
      return normaliseIp(hops[Math.max(0, hops.length - trustedProxyCount)]) ?? UNKNOWN_CLIENT_IP;
    }
    const realIp = headers.get("x-real-ip");
    if (realIp) return normaliseIp(realIp) ?? UNKNOWN_CLIENT_IP;
  }
  return normaliseIp(socketAddress) ?? UNKNOWN_CLIENT_IP;
}

/**
 * A valid IP address in one canonical form, or undefined. Accepts what proxies write: a port
 * (`1.2.3.4:5678`, `[::1]:443`), an IPv6 zone (`fe80::1%eth0`), an IPv4-mapped IPv6 address.
 */
function normaliseIp(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  let address = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1]) address = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(":"));
  address = address.replace(/%.*$/, "").toLowerCase();
  const mappedIpv4 = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/.exec(address);
  if (mappedIpv4?.[1]) address = mappedIpv4[1];
  return isIP(address) ? address : undefined;
}
