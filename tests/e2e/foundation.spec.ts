import { createHash } from "node:crypto";
import type { APIRequestContext } from "@playwright/test";
import type { SentryEnvelope } from "../support/sentry-sink";
import { expect, test, visit } from "./fixtures";
import { sentrySinkUrl } from "./ports";

test.describe("pages", () => {
  for (const path of ["/", "/pricing", "/sign-in", "/sign-up", "/acme"]) {
    test(`${path} renders with no console errors and no CSP violations`, async ({ page, problems }) => {
      const response = await visit(page, path);
      expect(response.status()).toBe(200);
      await expect(page.locator("main")).toBeVisible();
      expect(problems.cspViolations).toEqual([]);
      expect(problems.consoleErrors).toEqual([]);
    });
  }

  test("the landing page explains the product and links to sign-in and sign-up", async ({ page }) => {
    await visit(page, "/");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByRole("link", { name: /sign in/i }).first()).toHaveAttribute("href", "/sign-in");
    await expect(page.getByRole("link", { name: /sign up|get started/i }).first()).toHaveAttribute(
      "href",
      "/sign-up",
    );
  });

  test("an unknown page gets the 404 page", async ({ page, problems }) => {
    const response = await visit(page, "/this-page-does-not-exist/at-all");
    expect(response.status()).toBe(404);
    await expect(page.getByText(/not found|404/i).first()).toBeVisible();
    expect(problems.cspViolations).toEqual([]);
  });

  test("the skip link moves keyboard focus to the main content", async ({ page }) => {
    await visit(page, "/");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: /skip to (main )?content/i });
    await expect(skip).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/#main/);
  });
});

test.describe("security headers", () => {
  test("pages rendered per request carry a strict CSP with a fresh nonce and the baseline headers", async ({
    request,
  }) => {
    const first = await request.get("/sign-in");
    const second = await request.get("/sign-in");
    const csp = first.headers()["content-security-policy"] ?? "";
    const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
    expect(scriptSrc).toMatch(/'nonce-[A-Za-z0-9+/=]{16,}'/);
    expect(scriptSrc).not.toContain("unsafe-inline");
    expect(scriptSrc).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'self'");
    expect(second.headers()["content-security-policy"]).not.toBe(csp);

    const headers = first.headers();
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(headers["permissions-policy"]).toContain("camera=()");
    expect(headers["strict-transport-security"]).toContain("max-age=");
    expect(headers["x-powered-by"]).toBeUndefined();
  });

  test("the landing page is prerendered: the same page for everyone, its inline scripts allowed by their hashes", async ({
    request,
  }) => {
    const first = await request.get("/");
    const second = await request.get("/");
    const html = await first.text();
    // Built once: the same bytes and the same policy for every request, no nonce anywhere.
    expect(await second.text()).toBe(html);
    const csp = first.headers()["content-security-policy"] ?? "";
    expect(second.headers()["content-security-policy"]).toBe(csp);
    expect(html).not.toMatch(/nonce=/);
    const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
    expect(scriptSrc).not.toMatch(/nonce-|unsafe-inline|unsafe-eval|strict-dynamic/);
    // Every inline script of the page, and nothing else, is allowed by hash.
    const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)]
      .map((match) => match[1] as string)
      .filter((text) => text.length > 0);
    expect(inline.length).toBeGreaterThan(0);
    const hashes = new Set(
      inline.map((text) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`),
    );
    expect(new Set(scriptSrc.trim().split(/\s+/).slice(1))).toEqual(new Set(["'self'", ...hashes]));
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(first.headers()["x-content-type-options"]).toBe("nosniff");
  });

  for (const path of ["/", "/sign-in"]) {
    test(`${path}: the CSP blocks a script and an event handler injected into the page's markup`, async ({
      page,
      problems,
    }) => {
      // What a stored XSS looks like: markup the parser meets in the page as served, under the CSP
      // the server sent with it (the response's own headers are kept).
      const injected = `<script>window.__injected = (window.__injected || []).concat("inline script")</script><img src="data:,x" onerror="window.__injected = (window.__injected || []).concat('event handler')">`;
      await page.route(
        (url) => url.pathname === path,
        async (route) => {
          if (route.request().resourceType() !== "document") return route.continue();
          const response = await route.fetch();
          const html = (await response.text()).replace(/<body([^>]*)>/, `<body$1>${injected}`);
          expect(html).toContain(injected);
          await route.fulfill({ response, body: html });
        },
      );
      await page.goto(path, { waitUntil: "load" });
      await expect
        .poll(() => problems.cspViolations.filter((v) => v.includes("script-src")).length)
        .toBeGreaterThanOrEqual(2);
      expect(
        await page.evaluate(() => (window as unknown as { __injected?: string[] }).__injected),
      ).toBeUndefined();
      // The page's own inline scripts ran (the RSC payload array exists).
      expect(
        await page.evaluate(() => Array.isArray((window as unknown as { __next_f?: unknown }).__next_f)),
      ).toBe(true);
    });
  }

  test("the request id is echoed when valid and replaced when not", async ({ request }) => {
    const kept = await request.get("/api/health", { headers: { "x-request-id": "trace-0123456789abcdef" } });
    expect(kept.headers()["x-request-id"]).toBe("trace-0123456789abcdef");
    // Characters that could forge log lines or bloat them are refused (HTTP forbids raw newlines anyway).
    const replaced = await request.get("/api/health", {
      headers: { "x-request-id": 'bad id with spaces"{}' },
    });
    expect(replaced.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

test.describe("health", () => {
  test("/api/health is liveness and names the version", async ({ request }) => {
    const response = await request.get("/api/health");
    expect(response.status()).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", version: expect.any(String) });
  });

  test("/api/ready answers 200 after a database round-trip", async ({ request }) => {
    const response = await request.get("/api/ready");
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({ status: "ready", checks: { database: "ok" } });
  });

  test("an unknown API path answers a JSON 404", async ({ request }) => {
    const response = await request.get("/api/no-such-endpoint");
    expect(response.status()).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });
});

/** Polls the Sentry sink until an envelope containing `marker` arrives. */
async function waitForEnvelope(request: APIRequestContext, marker: string): Promise<SentryEnvelope> {
  let envelope: SentryEnvelope | undefined;
  await expect
    .poll(
      async () => {
        const envelopes = (await (
          await request.get(`${sentrySinkUrl}/envelopes`)
        ).json()) as SentryEnvelope[];
        envelope = envelopes.find((e) => e.raw.includes(marker));
        return Boolean(envelope);
      },
      { timeout: 15_000, message: `no envelope containing "${marker}" reached the Sentry sink` },
    )
    .toBe(true);
  return envelope as SentryEnvelope;
}

type SentryEvent = { tags?: Record<string, string>; exception?: { values?: { value?: string }[] } };
const eventOf = (envelope: SentryEnvelope) =>
  envelope.items.find((item) => item.header.type === "event")?.payload as SentryEvent;

test.describe("error reporting", () => {
  test("a server error reaches Sentry with the request id and without cookies or credentials", async ({
    request,
  }) => {
    await request.delete(`${sentrySinkUrl}/envelopes`);
    const requestId = `e2e-sentry-${Date.now()}`;
    const secretCookie = "session-cookie-value-that-must-not-leak";
    const secretBearer = "bearer-token-that-must-not-leak";
    const response = await request.get("/api/test-support/server-error", {
      headers: {
        "x-request-id": requestId,
        cookie: `next-auth.session-token=${secretCookie}`,
        authorization: `Bearer ${secretBearer}`,
      },
    });
    expect(response.status()).toBe(500);

    const envelope = await waitForEnvelope(request, requestId);
    const event = eventOf(envelope);
    expect(event.tags?.request_id).toBe(requestId);
    expect(event.exception?.values?.[0]?.value).toContain("Deliberate server error");
    expect(envelope.raw).not.toContain(secretCookie);
    expect(envelope.raw).not.toContain(secretBearer);
    expect(envelope.raw.toLowerCase()).not.toContain('"cookie"');
    expect(envelope.raw.toLowerCase()).not.toContain('"authorization"');
  });

  test("a browser error reaches Sentry and the error page offers a retry", async ({
    page,
    request,
    problems,
  }) => {
    await request.delete(`${sentrySinkUrl}/envelopes`);
    await visit(page, "/test-support/client-error");
    await page.getByRole("button", { name: "Throw a client error" }).click();
    await expect(page.getByRole("button", { name: /try again/i })).toBeVisible();

    const event = eventOf(await waitForEnvelope(request, "Deliberate client error"));
    expect(event.exception?.values?.[0]?.value).toContain("Deliberate client error");
    // Posting to the error-reporting origin is allowed by the CSP's connect-src.
    expect(problems.cspViolations).toEqual([]);
  });
});
