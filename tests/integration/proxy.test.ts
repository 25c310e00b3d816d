// proxy.ts on the configured rate-limit store (Redis in CI, memory without services): the per-IP page limit answers a readable 429 page, API
// routes are left to their own declared limits, and a session in use gets a fresh idle expiry.

import { NextRequest } from "next/server";
import { decode, encode } from "next-auth/jwt";
import { describe, expect, it, vi } from "vitest";
import { readAuthConfig, sessionCookieName } from "@/lib/auth";
import { RATE_LIMIT_POLICIES } from "@/lib/ratelimit";
import { proxy } from "@/proxy";
import { freshIp } from "../support/users";

const pageRequest = (path: string, ip: string, cookie?: string) =>
  new NextRequest(new URL(path, "http://localhost:3000"), {
    headers: { "x-forwarded-for": ip, ...(cookie ? { cookie } : {}) },
  });

describe("proxy.ts", () => {
  it("sets the request id and a CSP nonce on every page", async () => {
    const response = await proxy(pageRequest("/pricing", freshIp()));
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("content-security-policy")).toMatch(/'nonce-[A-Za-z0-9+/=]+'/);
  });

  it("answers a readable 429 page past the per-IP page limit, and leaves API routes to their own limits", async () => {
    const ip = freshIp();
    const { limit } = RATE_LIMIT_POLICIES["pages-ip"];
    for (let view = 0; view < limit; view++) {
      const response = await proxy(pageRequest("/pricing", ip));
      expect(response.status).toBe(200);
    }
    const refused = await proxy(pageRequest("/pricing", ip));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("text/html");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toContain("Too many requests. Try again in");

    const api = await proxy(pageRequest("/api/health", ip));
    expect(api.status).toBe(200);
    // Another client is unaffected.
    expect((await proxy(pageRequest("/pricing", freshIp()))).status).toBe(200);
  });

  it("re-issues a session cookie older than an hour with a fresh idle expiry, and leaves a new one alone", async () => {
    const config = readAuthConfig(process.env);
    const claims = { uid: "user-1", sv: 1, signedInAt: Date.now(), authAt: Date.now(), mfa: "none" };
    const name = sessionCookieName();
    const fresh = await encode({
      token: claims,
      secret: config.authSecret,
      maxAge: config.sessionIdleSeconds,
    });
    const untouched = await proxy(pageRequest("/pricing", freshIp(), `${name}=${fresh}`));
    expect(untouched.cookies.get(name)).toBeUndefined();

    // A token issued two hours ago: encode() stamps iat and exp from the clock, so turn it back.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() - 2 * 60 * 60 * 1000 });
    const old = await encode({ token: claims, secret: config.authSecret, maxAge: config.sessionIdleSeconds });
    vi.useRealTimers();
    const oldClaims = await decode({ token: old, secret: config.authSecret });
    const renewed = await proxy(pageRequest("/pricing", freshIp(), `${name}=${old}`));
    const cookie = renewed.cookies.get(name);
    expect(cookie).toMatchObject({
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      maxAge: config.sessionIdleSeconds,
    });
    const renewedClaims = await decode({ token: cookie?.value ?? "", secret: config.authSecret });
    expect(renewedClaims).toMatchObject({ uid: "user-1", sv: 1, signedInAt: claims.signedInAt });
    expect(Number(renewedClaims?.exp)).toBeGreaterThan(Number(oldClaims?.exp));
  });

  it("marks the session cookie Secure, under the __Secure- name, when APP_URL is https", async () => {
    const config = readAuthConfig(process.env);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() - 2 * 60 * 60 * 1000 });
    const old = await encode({
      token: { uid: "user-1", sv: 1, signedInAt: Date.now(), authAt: Date.now(), mfa: "none" },
      secret: config.authSecret,
      maxAge: config.sessionIdleSeconds,
    });
    vi.useRealTimers();
    // lib/env reads APP_URL once per module instance: load proxy.ts afresh under the https URL.
    vi.stubEnv("APP_URL", "https://app.example.com");
    vi.resetModules();
    try {
      const { proxy: httpsProxy } = await import("@/proxy");
      const name = "__Secure-next-auth.session-token";
      const renewed = await httpsProxy(pageRequest("/pricing", freshIp(), `${name}=${old}`));
      expect(renewed.cookies.get(name)).toMatchObject({ secure: true, httpOnly: true, sameSite: "lax" });
      // The plain-http name is neither read nor written there.
      const plain = await httpsProxy(pageRequest("/pricing", freshIp(), `next-auth.session-token=${old}`));
      expect(plain.cookies.getAll()).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});
