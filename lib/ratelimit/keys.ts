import { createHash } from "node:crypto";
import { isIPv6 } from "node:net";
import type { RateLimitKeyKind } from "./policies";

/**
 * The store key for one policy and one raw value (an IP, an email, a user id). The value is
 * normalised, then hashed, so Redis never holds an email address or an IP in clear and a key dump
 * or a logged Redis error reveals neither. (A plain hash of an IPv4 address can be reversed by
 * trying all 2^32; this keeps values out of sight, it is not anonymisation.)
 */
export function rateLimitKey(policyName: string, kind: RateLimitKeyKind, rawValue: string): string {
  const value = normaliseKeyValue(kind, rawValue);
  if (!value) {
    throw new Error(
      `Rate limit policy "${policyName}" was given an empty ${kind} key. Pass the ${kind} the limit is counted by.`,
    );
  }
  const digest = createHash("sha256").update(`${kind}:${value}`).digest("base64url");
  return `${policyName}:${digest}`;
}

function normaliseKeyValue(kind: RateLimitKeyKind, rawValue: string): string {
  const value = rawValue.trim();
  if (kind === "account") return value.toLowerCase();
  if (kind === "ip") return ipBucket(value);
  return value;
}

/**
 * IPv6 addresses are counted per /64: one customer usually gets a whole /64 and can pick any
 * address in it, so counting single addresses would give them 2^64 fresh limits. IPv4 (and the
 * "unknown" bucket) count as they are.
 */
export function ipBucket(address: string): string {
  if (!isIPv6(address)) return address;
  return `${expandIpv6(address).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in lowercase hex without leading zeros. */
function expandIpv6(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const toGroups = (part: string) => (part ? part.split(":").flatMap(ipv4ToGroups) : []);
  const headGroups = toGroups(head);
  const tailGroups = toGroups(tail ?? "");
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill("0");
  return [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group, 16).toString(16));
}

/** An embedded IPv4 tail (`64:ff9b::1.2.3.4`) is two groups. */
function ipv4ToGroups(group: string): string[] {
  if (!group.includes(".")) return [group];
  const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
