import { describe, expect, it } from "vitest";
import { createLogger } from "@/lib/log";
import {
  clientIp,
  createMemoryStore,
  createRateLimiter,
  RATE_LIMIT_POLICIES,
  UNKNOWN_CLIENT_IP,
} from "@/lib/ratelimit";
import { ipBucket } from "@/lib/ratelimit/keys";

const headers = (values: Record<string, string>) => new Headers(values);

describe("clientIp", () => {
  it("ignores X-Forwarded-For and X-Real-IP when no proxy is trusted (the default)", () => {
    const spoofed = headers({ "x-forwarded-for": "1.2.3.4", "x-real-ip": "5.6.7.8" });
    expect(clientIp(spoofed, "192.0.2.10")).toBe("192.0.2.10");
    expect(clientIp(spoofed, undefined)).toBe(UNKNOWN_CLIENT_IP);
  });

  it("takes the entry as many hops from the right as there are trusted proxies", () => {
    const chain = headers({ "x-forwarded-for": "6.6.6.6, 203.0.113.5, 198.51.100.9" });
    expect(clientIp(chain, "10.0.0.1", 1)).toBe("198.51.100.9");
    expect(clientIp(chain, "10.0.0.1", 2)).toBe("203.0.113.5");
    // Fewer entries than proxies: the leftmost, which a trusted proxy still wrote.
    expect(clientIp(headers({ "x-forwarded-for": "203.0.113.5" }), "10.0.0.1", 3)).toBe("203.0.113.5");
  });

  it("falls back to X-Real-IP, then the socket address, when a proxy is trusted", () => {
    expect(clientIp(headers({ "x-real-ip": "203.0.113.5" }), "10.0.0.1", 1)).toBe("203.0.113.5");
    expect(clientIp(headers({}), "10.0.0.1", 1)).toBe("10.0.0.1");
  });

  it("normalises ports, brackets, zones and IPv4-mapped addresses, and rejects garbage", () => {
    expect(clientIp(headers({ "x-forwarded-for": "203.0.113.5:51234" }), undefined, 1)).toBe("203.0.113.5");
    expect(clientIp(headers({ "x-forwarded-for": "[2001:DB8::1]:443" }), undefined, 1)).toBe("2001:db8::1");
    expect(clientIp(headers({}), "::ffff:192.0.2.7", 0)).toBe("192.0.2.7");
    expect(clientIp(headers({}), "fe80::1%eth0", 0)).toBe("fe80::1");
    expect(clientIp(headers({ "x-forwarded-for": "<script>" }), "10.0.0.1", 1)).toBe(UNKNOWN_CLIENT_IP);
  });

  it("counts IPv6 clients per /64", () => {
    expect(ipBucket("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipBucket("::1")).toBe("0:0:0:0::/64");
    expect(ipBucket("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
    expect(ipBucket("192.0.2.1")).toBe("192.0.2.1");
  });

  it("doesn't let a spoofed X-Forwarded-For dodge a per-IP limit by default", async () => {
    const limiter = createRateLimiter({
      store: createMemoryStore(),
      policies: RATE_LIMIT_POLICIES,
      timeoutMs: 500,
      logger: createLogger({ LOG_LEVEL: "silent" }),
    });
    const decisions = [];
    for (let i = 0; i < 6; i++) {
      // A new forged address on every request, from the same socket.
      const request = new Request("http://localhost/api/sign-up", {
        headers: { "x-forwarded-for": `10.9.8.${i}` },
      });
      decisions.push(await limiter.check("sign-up-ip", clientIp(request.headers, "192.0.2.44")));
    }
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, false]);
  });
});
