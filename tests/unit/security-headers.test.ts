import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildContentSecurityPolicy,
  createNonce,
  resolveRequestId,
  staticSecurityHeaders,
} from "@/lib/security";
import { inlineHashes, prerenderedPages } from "@/lib/security/prerendered";

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

  it("allows a prerendered page's scripts by hash and 'self', with no nonce, unsafe-inline or strict-dynamic", () => {
    const policy = directives(
      buildContentSecurityPolicy({
        scriptHashes: ["c2NyaXB0LWE=", "c2NyaXB0LWI="],
        styleHashes: ["c3R5bGU="],
        isDevelopment: false,
        isHttps: true,
      }),
    );
    expect(policy["script-src"]).toEqual(["'self'", "'sha256-c2NyaXB0LWE='", "'sha256-c2NyaXB0LWI='"]);
    expect(policy["style-src"]).toEqual(["'self'", "'sha256-c3R5bGU='"]);
    // The rest of the policy is the same as a per-request page's.
    expect(policy["frame-ancestors"]).toEqual(["'none'"]);
    expect(policy["object-src"]).toEqual(["'none'"]);
    expect(policy["base-uri"]).toEqual(["'self'"]);
    expect(Object.values(policy).flat().join(" ")).not.toMatch(
      /unsafe-inline|unsafe-eval|strict-dynamic|nonce-/,
    );
  });

  it("makes a different 128-bit nonce each time", () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    expect(nonces.size).toBe(50);
    expect(Buffer.from(createNonce(), "base64")).toHaveLength(16);
  });
});

describe("hashes of a prerendered page's inline scripts", () => {
  const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");

  it("hashes each inline script and style as the browser does (the raw text), and skips script files", () => {
    const bootstrap = "(self.__next_f=self.__next_f||[]).push([0])";
    const payload = 'self.__next_f.push([1,"0:{\\"P\\":null}\\n"])';
    const html = `<!DOCTYPE html><html><head><script src="/_next/static/chunks/a.js" async=""></script>
<style data-precedence="x">body{color:red}</style></head><body>
<script>${bootstrap}</script><script id="x" >${payload}</script><script>${bootstrap}</script>
<SCRIPT type="text/javascript">ünïcode()</SCRIPT><script></script></body></html>`;
    const hashes = inlineHashes(html);
    expect(hashes.scriptHashes).toEqual([sha256(bootstrap), sha256(payload), sha256("ünïcode()")]);
    expect(hashes.styleHashes).toEqual([sha256("body{color:red}")]);
  });

  it("lists only the build's fully static pages, from Next.js's prerender manifest", () => {
    const distDir = mkdtempSync(path.join(tmpdir(), "prerendered-"));
    mkdirSync(path.join(distDir, "server", "app", "legal"), { recursive: true });
    const page = (dataRoute: string | null, initialRevalidateSeconds: number | false) => ({
      dataRoute,
      initialRevalidateSeconds,
    });
    writeFileSync(
      path.join(distDir, "prerender-manifest.json"),
      JSON.stringify({
        routes: {
          "/": page("/index.rsc", false),
          "/legal/terms": page("/legal/terms.rsc", false),
          "/news": page("/news.rsc", 60), // revalidated in the background: its HTML changes
          "/_not-found": page("/_not-found.rsc", false), // answers other URLs than its own
          "/icon.svg": page(null, false), // not a page
          "/gone": page("/gone.rsc", false), // listed, no HTML written
        },
      }),
    );
    for (const [file, text] of [
      ["index.html", "<script>home()</script>"],
      ["legal/terms.html", "<script>terms()</script>"],
      ["news.html", "<script>news()</script>"],
      ["_not-found.html", "<script>nf()</script>"],
    ]) {
      writeFileSync(path.join(distDir, "server", "app", file as string), text as string);
    }
    const pages = prerenderedPages(distDir);
    expect([...pages.keys()]).toEqual(["/", "/legal/terms"]);
    expect(pages.get("/")?.scriptHashes).toEqual([sha256("home()")]);
    expect(prerenderedPages(path.join(distDir, "no-build-here")).size).toBe(0);
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
