// proxy.ts on the configured rate-limit store (Redis in CI, memory without services): the per-IP page limit answers a readable 429 page, API
// routes are left to their own declared limits, and a session in use gets a fresh idle expiry.

import { NextRequest } from "next/server";
import { decode, encode } from "next-auth/jwt";
import { describe, expect, it, vi } from "vitest";
import { AUTH_BODY_MAX_BYTES, readAuthConfig, sessionCookieName } from "@/lib/auth";
import { RATE_LIMIT_POLICIES } from "@/lib/ratelimit";
import { SERVER_ACTION_BODY_MAX_BYTES } from "@/lib/security";
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

  describe("answers what Next.js would answer with a 500", () => {
    const request = (
      path: string,
      method: string,
      headers: Record<string, string>,
      body?: BodyInit,
    ): NextRequest =>
      new NextRequest(new URL(path, "http://localhost:3000"), {
        method,
        headers: { "x-forwarded-for": freshIp(), ...headers },
        body,
        ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as ConstructorParameters<typeof NextRequest>[1]);
    const errorOf = async (response: Response) =>
      ((await response.json()) as { error: { code: string } }).error;

    // TRACE never gets here (Next.js can't build a Request for it): the server hook answers it
    // (tests/unit/security-node-server.test.ts). Made-up methods do.
    it("a method the app doesn't answer: 405 with Allow", async () => {
      for (const path of ["/", "/api/health", "/sign-in"]) {
        const response = await proxy(request(path, "PROPFIND", {}));
        expect(response.status).toBe(405);
        expect(response.headers.get("allow")).toContain("GET");
        expect(await errorOf(response)).toMatchObject({ code: "method_not_allowed" });
      }
    });

    it("a server-action post over the limit: 413, with or without a Content-Length", async () => {
      const over = String(SERVER_ACTION_BODY_MAX_BYTES + 1);
      for (const headers of <Record<string, string>[]>[
        { "next-action": "abc", "content-type": "multipart/form-data; boundary=x", "content-length": over },
        { "content-type": "multipart/form-data; boundary=x", "content-length": over },
        { "content-type": "application/x-www-form-urlencoded", "content-length": over },
      ]) {
        const response = await proxy(request("/sign-up", "POST", headers));
        expect(response.status, JSON.stringify(headers)).toBe(413);
        expect(await errorOf(response)).toMatchObject({ code: "payload_too_large" });
      }
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 30; i++) controller.enqueue(new TextEncoder().encode("x".repeat(10_000)));
          controller.close();
        },
      });
      const chunked = await proxy(
        request("/sign-up", "POST", { "next-action": "abc", "content-type": "text/plain" }, chunks),
      );
      expect(chunked.status).toBe(413);
    });

    it("a server-action post whose body doesn't parse as its type: 400; one that does passes", async () => {
      for (const [headers, body] of <[Record<string, string>, string][]>[
        [{ "next-action": "abc" }, "x"],
        [{ "next-action": "abc", "content-type": "application/json" }, "{}"],
        [{ "next-action": "abc", "content-type": "multipart/form-data" }, "x"],
        [{ "next-action": "abc", "content-type": "multipart/form-data; boundary=x" }, "{not a form"],
        [{ "content-type": "multipart/form-data; boundary=x" }, "{not a form"],
        [{ "next-action": "abc", "content-type": "text/plain;charset=UTF-8" }, "{not json"],
      ]) {
        const response = await proxy(request("/sign-up", "POST", headers, body));
        expect(response.status, JSON.stringify(headers)).toBe(400);
        expect(await errorOf(response)).toMatchObject({ code: "invalid_body" });
      }
      const form = new FormData();
      form.append("1_email", "someone@example.com");
      // A browser's boundary has capitals (----WebKitFormBoundary…), and a boundary is case-sensitive.
      const browserBoundary = "----WebKitFormBoundaryAbCdEf";
      const browserForm = `--${browserBoundary}\r\nContent-Disposition: form-data; name="1_email"\r\n\r\nsomeone@example.com\r\n--${browserBoundary}--\r\n`;
      for (const good of [
        request("/sign-up", "POST", { "next-action": "abc" }, form),
        request("/sign-up", "POST", {}, form),
        request(
          "/sign-up",
          "POST",
          { "next-action": "abc", "content-type": `multipart/form-data; boundary=${browserBoundary}` },
          browserForm,
        ),
        request(
          "/sign-up",
          "POST",
          { "next-action": "abc", "content-type": "text/plain;charset=UTF-8" },
          '["$K1"]',
        ),
      ]) {
        const response = await proxy(good);
        expect(response.status).toBe(200);
        expect(response.headers.get("x-middleware-next")).toBe("1");
      }
    });

    it("a body for next-auth's endpoints over their cap: 413 before anything reads it", async () => {
      const response = await proxy(
        request("/api/auth/callback/credentials", "POST", {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": String(10 * 1024 * 1024),
        }),
      );
      expect(response.status).toBe(413);
      expect(await errorOf(response)).toMatchObject({ code: "payload_too_large" });
      const small = await proxy(
        request("/api/auth/callback/credentials", "POST", {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": String(AUTH_BODY_MAX_BYTES),
        }),
      );
      expect(small.status).toBe(200);
    });
  });
});
