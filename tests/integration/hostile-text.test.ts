// Hostile text (NUL, lone surrogates, control characters) on the ways in that don't go through the
// route or action wrapper, which the endpoint fuzz suite (fuzz-endpoints.test.ts) covers: next-auth's
// credentials and callback URL, and the pages that read their URL (the audit viewer's filter, the
// admin searches, the org slug of every organization page). Each is refused with the field's message
// or a 404, and never reaches PostgreSQL, which answers NUL with an error (SQLSTATE 22021).
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { getOrganizationDetail, InvalidAdminQueryError, listUsers } from "@/lib/admin";
import { InvalidAuditQueryError, listAuditEvents, parseAuditFilter } from "@/lib/audit";
import { serverEnv } from "@/lib/env";
import { requirePageMember } from "@/lib/http";
import { HOSTILE_TEXT_MESSAGE } from "@/lib/security";
import { callNextAuth, signInThroughNextAuth } from "../support/next-auth-requests";
import { inRequestScope } from "../support/next-request";
import { createTestOrg, rejectionOf } from "../support/orgs";
import { sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

const HOSTILE = ["a\u0000b", "a\uD800b", "\uDC00", "a\u001bb", "a\u0085b"];

describe("next-auth", () => {
  it("refuses hostile text in the credentials before the account lookup, with its own error code", async () => {
    // A form body is text: a lone surrogate arrives as U+FFFD, so NUL and the other controls are what get there.
    for (const email of ["a\u0000b@example.com", "a\u001bb@example.com"]) {
      const call = await signInThroughNextAuth({ email, password: TEST_PASSWORD }, freshIp());
      const response = await call.finished;
      const text = await response.text();
      expect(response.status, text).toBeLessThan(500);
      expect(text).not.toMatch(/prisma|22021|invocation/i);
      const { url } = JSON.parse(text) as { url: string };
      expect(new URL(url).searchParams.get("error")).toBe("invalid_input");
    }
  });

  it("sends a callbackUrl that doesn't parse, or points elsewhere, to the site's root", async () => {
    const user = await createTestUser();
    const appUrl = serverEnv().APP_URL.replace(/\/+$/, "");
    const cases: [callbackUrl: string, expected: string][] = [
      ["http://host:port.evil.example/", appUrl],
      ["https://evil.example/account", appUrl],
      ["//evil.example/account", appUrl],
      ["/account?tab=1", `${appUrl}/account?tab=1`],
      [`${appUrl}/orgs/new`, `${appUrl}/orgs/new`],
    ];
    for (const [callbackUrl, expected] of cases) {
      const ip = freshIp();
      const csrf = await callNextAuth(["csrf"], { ip }).finished;
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      const cookie = csrf.headers
        .getSetCookie()
        .map((header) => header.split(";")[0])
        .join("; ");
      const response = await callNextAuth(["callback", "credentials"], {
        ip,
        cookie,
        form: { email: user.email, password: TEST_PASSWORD, csrfToken, callbackUrl, json: "true" },
      }).finished;
      const text = await response.text();
      expect(response.status, `${callbackUrl}: ${text}`).toBe(200);
      expect((JSON.parse(text) as { url: string }).url, callbackUrl).toBe(expected);
    }
  });

  it("refuses a body larger than the cap before next-auth parses it", async () => {
    const streamed = new Request(new URL("/api/auth/callback/credentials", "http://localhost"), {
      method: "POST",
      headers: { "x-forwarded-for": freshIp(), "content-type": "application/x-www-form-urlencoded" },
      // No Content-Length to go by: a stream, read until it passes the cap.
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++)
            controller.enqueue(new TextEncoder().encode(`email=${"a".repeat(1000)}&`));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    const request = new NextRequest(streamed);
    const { POST } = await import("@/app/api/auth/[...nextauth]/route");
    const response = await inRequestScope(request, () =>
      POST(request, { params: Promise.resolve({ nextauth: ["callback", "credentials"] }) }),
    );
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });
});

describe("pages that read their URL", () => {
  it("the audit viewer's filter names the field holding hostile text, and never queries with it", async () => {
    const { org } = await createTestOrg(["OWNER"]);
    for (const scope of [{ kind: "organization" as const, orgId: org.id }, { kind: "platform" as const }]) {
      for (const actor of HOSTILE) {
        expect(parseAuditFilter(scope, { actor })).toEqual({
          ok: false,
          fields: { actor: [HOSTILE_TEXT_MESSAGE] },
        });
        const error = await rejectionOf(listAuditEvents(scope, { actor }));
        expect(error).toBeInstanceOf(InvalidAuditQueryError);
      }
    }
  });

  it("the admin user search refuses hostile text as its field's problem", async () => {
    for (const search of HOSTILE) {
      const error = await rejectionOf(listUsers({ search }));
      expect(error).toBeInstanceOf(InvalidAdminQueryError);
      expect((error as InvalidAdminQueryError).fields).toEqual({ q: [HOSTILE_TEXT_MESSAGE] });
    }
  });

  it("an organization page with hostile text for its slug is a 404, for members and platform admins", async () => {
    const { owner } = await createTestOrg(["OWNER"]);
    const cookie = await sessionCookieFor(owner().userId);
    for (const slug of HOSTILE) {
      const request = new Request(
        new URL(`/${encodeURIComponent(slug.toWellFormed())}`, "http://localhost"),
        {
          headers: { cookie },
        },
      );
      const error = await rejectionOf(inRequestScope(request, () => requirePageMember(slug)));
      expect((error as Error & { digest?: string }).digest, String(error)).toMatch(
        /^NEXT_HTTP_ERROR_FALLBACK;404/,
      );
      expect((await rejectionOf(getOrganizationDetail(slug))).name).toBe("AdminNotFoundError");
    }
  });
});
