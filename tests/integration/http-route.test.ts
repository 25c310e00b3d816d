// The route wrapper on PostgreSQL, with real session cookies: each refusal in its order, the uniform
// error body, the audit of denials, and that unknown errors don't leak.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { revokeAllSessions } from "@/lib/auth";
import { route } from "@/lib/http";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp } from "../support/users";

const ctxFor = (org: string) => ({ params: Promise.resolve({ org }) });

async function createOrg(options: { requireMfa?: boolean } = {}) {
  const slug = `org-${randomUUID().slice(0, 8)}`;
  return testDb().organization.create({
    data: { slug, name: `Org ${slug}`, requireMfa: options.requireMfa ?? false },
  });
}

async function member(orgId: string, role: "OWNER" | "ADMIN" | "MEMBER", overrides = {}) {
  const user = await createTestUser(overrides);
  await testDb().membership.create({ data: { userId: user.id, orgId, role } });
  return { user, cookie: await sessionCookieFor(user.id) };
}

const whoAmI = route({ auth: "user", rateLimit: "api-user", input: {} }, (ctx) => ({ id: ctx.user.id }));

const deleteProject = route(
  {
    auth: "member",
    permission: "project.delete",
    rateLimit: "api-user",
    input: { params: z.object({ org: z.string() }), body: z.object({ name: z.string().min(1).max(5) }) },
  },
  (ctx) => ({ org: ctx.org.slug, role: ctx.role, scopeOrg: ctx.scope.orgId, name: ctx.input.body.name }),
);

describe("route(): authentication", () => {
  it("answers 401 unauthenticated without a session, and runs the handler with one", async () => {
    const user = await createTestUser();
    const anonymous = await whoAmI(appRequest("/api/me", { ip: freshIp() }));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      error: { code: "unauthenticated", message: expect.any(String) },
    });

    const signedIn = await whoAmI(
      appRequest("/api/me", { cookie: await sessionCookieFor(user.id), ip: freshIp() }),
    );
    expect(signedIn.status).toBe(200);
    expect(await signedIn.json()).toEqual({ id: user.id });
  });

  it("refuses a revoked session, a pending MFA challenge, an unverified email and a tampered cookie", async () => {
    const user = await createTestUser();
    const cookie = await sessionCookieFor(user.id);
    await revokeAllSessions(testDb(), user.id);
    expect((await whoAmI(appRequest("/api/me", { cookie }))).status).toBe(401);

    const withMfa = await createTestUser({ mfaEnabledAt: new Date() });
    const pending = await whoAmI(appRequest("/api/me", { cookie: await sessionCookieFor(withMfa.id) }));
    expect(pending.status).toBe(401);
    expect((await pending.json()).error.code).toBe("mfa_required");

    const unverified = await createTestUser({ emailVerifiedAt: null });
    const refused = await whoAmI(appRequest("/api/me", { cookie: await sessionCookieFor(unverified.id) }));
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe("email_unverified");

    const valid = await sessionCookieFor(user.id);
    const tampered = `${valid.slice(0, -4)}AAAA`;
    expect((await whoAmI(appRequest("/api/me", { cookie: tampered }))).status).toBe(401);
  });

  it("hides platform-admin endpoints (404) from everyone but admins who passed MFA", async () => {
    const adminOnly = route({ auth: "platformAdmin", rateLimit: "api-user", input: {} }, () => ({
      ok: true,
    }));
    const plain = await createTestUser();
    const adminWithoutMfa = await createTestUser({ isPlatformAdmin: true });
    const admin = await createTestUser({ isPlatformAdmin: true, mfaEnabledAt: new Date() });
    const call = async (userId: string, mfa?: "verified") =>
      (
        await adminOnly(
          appRequest("/api/admin", { cookie: await sessionCookieFor(userId, mfa ? { mfa } : {}) }),
        )
      ).status;
    expect(await call(plain.id)).toBe(404);
    expect(await call(adminWithoutMfa.id)).toBe(404);
    expect(await call(admin.id, "verified")).toBe(200);
  });
});

describe("route(): organization membership and permission", () => {
  it("answers a non-member exactly like a missing organization (404, same body)", async () => {
    const org = await createOrg();
    const outsider = await createTestUser();
    const cookie = await sessionCookieFor(outsider.id);
    const body = { name: "x" };
    const notMember = await deleteProject(appRequest("/x", { cookie, body }), ctxFor(org.slug));
    const missing = await deleteProject(appRequest("/x", { cookie, body }), ctxFor("no-such-org-anywhere"));
    expect(notMember.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await notMember.json()).toEqual(await missing.json());
  });

  it("answers 403 to a role without the permission and records the denial in the audit log", async () => {
    const org = await createOrg();
    const { user, cookie } = await member(org.id, "MEMBER");
    const response = await deleteProject(appRequest("/x", { cookie, body: { name: "x" } }), ctxFor(org.slug));
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe("forbidden");
    const denial = await testDb().auditEvent.findFirst({
      where: { action: "authz.denied", actorId: user.id },
    });
    expect(denial?.orgId).toBe(org.id);
    expect(denial?.metadata).toMatchObject({ permission: "project.delete", role: "MEMBER" });
  });

  it("runs the handler for an allowed role with the org, role and scope", async () => {
    const org = await createOrg();
    const { cookie } = await member(org.id, "ADMIN");
    const response = await deleteProject(
      appRequest("/x", { cookie, body: { name: "ok" } }),
      ctxFor(org.slug),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ org: org.slug, role: "ADMIN", scopeOrg: org.id, name: "ok" });
  });

  it("keeps members without MFA out of an organization that requires it", async () => {
    const org = await createOrg({ requireMfa: true });
    const { cookie } = await member(org.id, "OWNER");
    const response = await deleteProject(
      appRequest("/x", { cookie, body: { name: "ok" } }),
      ctxFor(org.slug),
    );
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe("mfa_required");
  });
});

describe("route(): cross-site requests", () => {
  it("refuses a state-changing request from another site, and takes one from the app or a non-browser client", async () => {
    const change = route({ auth: "user", rateLimit: "api-user", input: {} }, () => ({ ok: true }));
    const user = await createTestUser();
    const cookie = await sessionCookieFor(user.id);
    const post = (headers: Record<string, string>) =>
      change(appRequest("/x", { method: "POST", cookie, headers }));

    const forged = await post({ origin: "https://evil.example" });
    expect(forged.status).toBe(403);
    expect((await forged.json()).error.code).toBe("cross_site_request");
    expect((await post({ "sec-fetch-site": "cross-site" })).status).toBe(403);

    expect(
      (await post({ origin: new URL(process.env.APP_URL ?? "http://localhost:3000").origin })).status,
    ).toBe(200);
    expect((await post({ "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect((await post({})).status).toBe(200);
    // Reading is never refused: a cross-site GET changes nothing and can't read the answer.
    expect(
      (await change(appRequest("/x", { cookie, headers: { origin: "https://evil.example" } }))).status,
    ).toBe(200);
  });
});

describe("route(): input, step-up, rate limit and errors", () => {
  it("answers 400 invalid_input with the fields, and 413 for an oversized body", async () => {
    const org = await createOrg();
    const { cookie } = await member(org.id, "OWNER");
    const invalid = await deleteProject(
      appRequest("/x", { cookie, body: { name: "far too long" } }),
      ctxFor(org.slug),
    );
    expect(invalid.status).toBe(400);
    const body = await invalid.json();
    expect(body.error.code).toBe("invalid_input");
    expect(Object.keys(body.error.fields)).toEqual(["name"]);

    const huge = await deleteProject(
      appRequest("/x", { cookie, body: { name: "x".repeat(200_000) } }),
      ctxFor(org.slug),
    );
    expect(huge.status).toBe(413);
  });

  it("needs a re-authentication within 10 minutes for step-up endpoints", async () => {
    const sensitive = route({ auth: "user", rateLimit: "api-user", stepUp: true, input: {} }, () => ({
      ok: true,
    }));
    const user = await createTestUser();
    const stale = await sessionCookieFor(user.id, { authAt: Date.now() - 11 * 60_000 });
    const refused = await sensitive(appRequest("/x", { cookie: stale }));
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe("step_up_required");
    const fresh = await sessionCookieFor(user.id, { authAt: Date.now() - 60_000 });
    expect((await sensitive(appRequest("/x", { cookie: fresh }))).status).toBe(200);
  });

  it("answers 429 with Retry-After past the declared policy, and records it when the policy guards auth", async () => {
    // totp-account: 5 per 5 minutes per account, fail closed.
    const guarded = route({ auth: "user", rateLimit: "totp-account", input: {} }, () => ({ ok: true }));
    const user = await createTestUser();
    const cookie = await sessionCookieFor(user.id);
    const responses: Response[] = [];
    for (let attempt = 0; attempt < 6; attempt++) responses.push(await guarded(appRequest("/x", { cookie })));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = responses[5] as Response;
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-policy")).toBe('"totp-account";q=5;w=300');
    expect((await refused.json()).error.code).toBe("rate_limited");
    const recorded = await testDb().auditEvent.count({
      where: { action: "auth.rate_limited", actorId: user.id },
    });
    expect(recorded).toBe(1);
  });

  it("answers a lib error that carries status and code as that error, and hides unknown errors", async () => {
    class ProjectLimitError extends Error {
      status = 402;
      code = "plan_limit";
    }
    const limited = route({ auth: "public", rateLimit: "pages-ip", input: {} }, () => {
      throw new ProjectLimitError("Your plan allows 3 projects. Upgrade to add more.");
    });
    const broken = route({ auth: "public", rateLimit: "pages-ip", input: {} }, () => {
      throw new Error("connection string postgresql://secret@db leaked?");
    });
    class PaymentsDownError extends Error {
      status = 503;
      code = "payments_unavailable";
    }
    const outage = route({ auth: "public", rateLimit: "pages-ip", input: {} }, () => {
      throw new PaymentsDownError("Payments are down. Nothing was charged; try again in a minute.");
    });
    const teapot = route({ auth: "public", rateLimit: "pages-ip", input: {} }, () => {
      throw Object.assign(new Error("upstream said 502"), { status: 502, code: "bad_gateway" });
    });

    const refused = await limited(appRequest("/x", { ip: freshIp() }));
    expect(refused.status).toBe(402);
    expect(await refused.json()).toEqual({
      error: { code: "plan_limit", message: "Your plan allows 3 projects. Upgrade to add more." },
    });

    // A dependency down (503 with a code): its message, so people know nothing changed and to retry.
    const unavailable = await outage(appRequest("/x", { ip: freshIp() }));
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toEqual({
      error: {
        code: "payments_unavailable",
        message: "Payments are down. Nothing was charged; try again in a minute.",
      },
    });
    // Any other 5xx is hidden like an unknown error.
    const hidden = await teapot(appRequest("/x", { ip: freshIp() }));
    expect(hidden.status).toBe(500);
    expect((await hidden.json()).error.code).toBe("internal_error");

    const failed = await broken(
      appRequest("/x", { ip: freshIp(), headers: { "x-request-id": "req-test-12345" } }),
    );
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(text).not.toContain("secret");
    expect(JSON.parse(text).error).toEqual({
      code: "internal_error",
      message: expect.stringContaining("req-test-12345"),
    });
  });

  it("answers a ZodError from the handler's own parsing as a bug (500), not as the caller's bad input", async () => {
    // Say, a stored row or the environment failed its schema: "check the fields marked" would send
    // the person looking for a mistake they didn't make, and keep the bug out of Sentry.
    const storedDataBroken = route({ auth: "public", rateLimit: "pages-ip", input: {} }, () =>
      z.object({ plan: z.enum(["free", "pro"]) }).parse({ plan: "enterprise" }),
    );
    const response = await storedDataBroken(appRequest("/x", { ip: freshIp() }));
    expect(response.status).toBe(500);
    expect((await response.json()).error.code).toBe("internal_error");
  });
});
