import { describe, expect, it } from "vitest";
import {
  buildContentSecurityPolicy,
  createNonce,
  resolveRequestId,
  staticSecurityHeaders,
} from "@/lib/security";

const directives = (policy: string) =>
  Object.fromEntries(policy.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));

describe("content security policy", () => {
  it("allows scripts only by nonce in production, with no unsafe-inline or unsafe-eval", () => {
    const policy = directives(
      buildContentSecurityPolicy({ nonce: "abc123", isDevelopment: false, isHttps: true }),
    );
    expect(policy["script-src"]).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(policy["style-src"]).toEqual(["'self'", "'nonce-abc123'"]);
    expect(policy["frame-ancestors"]).toEqual(["'none'"]);
    expect(policy["object-src"]).toEqual(["'none'"]);
    expect(policy["base-uri"]).toEqual(["'self'"]);
    expect(policy["upgrade-insecure-requests"]).toEqual([]);
  });

  it("adds unsafe-eval only in development, and never upgrades plain-HTTP local runs", () => {
    const policy = directives(
      buildContentSecurityPolicy({ nonce: "n", isDevelopment: true, isHttps: false }),
    );
    expect(policy["script-src"]).toContain("'unsafe-eval'");
    expect(policy["upgrade-insecure-requests"]).toBeUndefined();
  });

  it("allows the error-reporting origin to receive browser errors", () => {
    const policy = directives(
      buildContentSecurityPolicy({
        nonce: "n",
        isDevelopment: false,
        isHttps: true,
        errorReportingOrigin: "https://o1.ingest.sentry.io",
      }),
    );
    expect(policy["connect-src"]).toEqual(["'self'", "https://o1.ingest.sentry.io"]);
  });

  it("makes a different 128-bit nonce each time", () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    expect(nonces.size).toBe(50);
    expect(Buffer.from(createNonce(), "base64")).toHaveLength(16);
  });
});

describe("static security headers", () => {
  it("sends HSTS in production only", () => {
    const names = (production: boolean) => staticSecurityHeaders(production).map((h) => h.key);
    expect(names(true)).toContain("Strict-Transport-Security");
    expect(names(false)).not.toContain("Strict-Transport-Security");
    expect(names(false)).toEqual(
      expect.arrayContaining([
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
      ]),
    );
  });
});

describe("request id", () => {
  it("keeps a well-formed incoming id", () => {
    expect(resolveRequestId("0af7651916cd43dd8448eb211c80319c")).toBe("0af7651916cd43dd8448eb211c80319c");
  });

  it("replaces a missing, short, oversized or log-injecting id with a fresh UUID", () => {
    for (const bad of [null, "", "short", "x".repeat(129), "ok-id-1234\nFAKE LOG LINE", "id with spaces"]) {
      expect(resolveRequestId(bad)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });
});
