// The audit export routes through the route wrapper, with real session cookies: who may export what,
// the download itself, and the audit of the export.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { GET as exportPlatformAudit } from "@/app/api/admin/audit/export/route";
import { GET as exportOrgAudit } from "@/app/api/orgs/[org]/audit/export/route";
import { auditChainOf, recordAuditEvent } from "@/lib/audit";
import { putOnPaidPlan } from "../support/billing";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp } from "../support/users";

// putOnPaidPlan turned billing on for this file.
afterAll(() => {
  vi.unstubAllEnvs();
});

const ctxFor = (org: string) => ({ params: Promise.resolve({ org }) });

async function orgWithEvents(events = 3) {
  const slug = `export-${randomUUID().slice(0, 8)}`;
  const org = await testDb().organization.create({ data: { slug, name: `Org ${slug}` } });
  // The export is a paid feature; this file is about who may export what (see below for free).
  await putOnPaidPlan(org.id, "pro");
  for (let i = 0; i < events; i++) {
    await recordAuditEvent(
      { action: "org.settings_changed", actor: { type: "USER", id: randomUUID() }, orgId: org.id },
      testDb(),
    );
  }
  return org;
}

async function memberOf(orgId: string, role: "OWNER" | "ADMIN" | "MEMBER") {
  const user = await createTestUser();
  await testDb().membership.create({ data: { userId: user.id, orgId, role } });
  return { user, cookie: await sessionCookieFor(user.id) };
}

const dataLines = (csv: string) =>
  csv
    .split("\r\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .slice(1);

afterEach(() => {
  delete process.env.AUDIT_EXPORT_MAX_ROWS;
});

describe("GET /api/orgs/[org]/audit/export", () => {
  it("gives owners and admins their organization's events as a CSV download, and audits it", async () => {
    const org = await orgWithEvents(3);
    const other = await orgWithEvents(2);
    for (const role of ["OWNER", "ADMIN"] as const) {
      const { user, cookie } = await memberOf(org.id, role);
      const response = await exportOrgAudit(
        appRequest(`/api/orgs/${org.slug}/audit/export?action=org&from=&to=`, { cookie, ip: freshIp() }),
        ctxFor(org.slug),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(response.headers.get("content-disposition")).toMatch(
        /^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      expect(response.headers.get("x-audit-export-truncated")).toBe("false");
      const csv = await response.text();
      expect(dataLines(csv)).toHaveLength(3);
      expect(csv).toContain(org.id);
      expect(csv).not.toContain(other.id);
      const audit = await testDb().auditEvent.findFirstOrThrow({
        where: { action: "audit.exported", actorId: user.id },
      });
      expect(audit).toMatchObject({ orgId: org.id, chain: `org:${org.id}` });
      expect(audit.metadata).toMatchObject({ filter: { action: "org" }, rows: 3, truncated: false });
    }
  });

  it("refuses members (403, recorded as a denial) and outsiders (404, like a missing organization)", async () => {
    const org = await orgWithEvents(1);
    const { user, cookie } = await memberOf(org.id, "MEMBER");
    const refused = await exportOrgAudit(
      appRequest(`/api/orgs/${org.slug}/audit/export`, { cookie }),
      ctxFor(org.slug),
    );
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe("forbidden");
    expect(
      await testDb().auditEvent.count({ where: { action: "authz.denied", actorId: user.id, orgId: org.id } }),
    ).toBe(1);

    const outsider = await memberOf((await orgWithEvents(0)).id, "OWNER");
    const hidden = await exportOrgAudit(
      appRequest(`/api/orgs/${org.slug}/audit/export`, { cookie: outsider.cookie }),
      ctxFor(org.slug),
    );
    const missing = await exportOrgAudit(
      appRequest("/api/orgs/no-such-org/audit/export", { cookie: outsider.cookie }),
      ctxFor("no-such-org"),
    );
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toEqual(await missing.json());
    expect(await testDb().auditEvent.count({ where: { action: "audit.exported", orgId: org.id } })).toBe(0);
  });

  it("answers a bad filter with 400 and the field, before exporting anything", async () => {
    const org = await orgWithEvents(1);
    const { cookie } = await memberOf(org.id, "OWNER");
    const response = await exportOrgAudit(
      appRequest(`/api/orgs/${org.slug}/audit/export?action=nope&from=31/01/2026`, { cookie }),
      ctxFor(org.slug),
    );
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.code).toBe("invalid_input");
    expect(Object.keys(body.error.fields).sort()).toEqual(["action", "from"]);
  });

  it("cuts the file at AUDIT_EXPORT_MAX_ROWS and says so in a header and in the file", async () => {
    process.env.AUDIT_EXPORT_MAX_ROWS = "2";
    const org = await orgWithEvents(5);
    const { cookie } = await memberOf(org.id, "OWNER");
    const response = await exportOrgAudit(
      appRequest(`/api/orgs/${org.slug}/audit/export`, { cookie }),
      ctxFor(org.slug),
    );
    expect(response.headers.get("x-audit-export-truncated")).toBe("true");
    expect(response.headers.get("x-audit-export-rows")).toBe("2");
    const csv = await response.text();
    expect(dataLines(csv)).toHaveLength(2);
    expect(csv).toMatch(/\r\n# truncated: [^\r\n]+\r\n$/);
  });
});

describe("GET /api/admin/audit/export", () => {
  it("exports any organization's events to a platform admin who passed MFA, and hides itself from everyone else", async () => {
    const org = await orgWithEvents(2);
    const admin = await createTestUser({ isPlatformAdmin: true, mfaEnabledAt: new Date() });
    const owner = await memberOf(org.id, "OWNER");
    const call = async (cookie: string) =>
      exportPlatformAudit(appRequest(`/api/admin/audit/export?org=${org.slug}`, { cookie }));

    const adminWithoutMfa = await createTestUser({ isPlatformAdmin: true });
    for (const cookie of [owner.cookie, await sessionCookieFor(adminWithoutMfa.id)]) {
      const response = await call(cookie);
      expect(response.status).toBe(404);
      expect((await response.json()).error.code).toBe("not_found");
    }
    // The admin's own session before the TOTP challenge: finish signing in first.
    const pending = await call(await sessionCookieFor(admin.id));
    expect(pending.status).toBe(401);
    expect((await pending.json()).error.code).toBe("mfa_required");

    const response = await call(await sessionCookieFor(admin.id, { mfa: "verified" }));
    expect(response.status).toBe(200);
    expect(dataLines(await response.text())).toHaveLength(2);
    const audit = await testDb().auditEvent.findFirstOrThrow({
      where: { action: "audit.exported", actorId: admin.id },
    });
    expect(audit).toMatchObject({ chain: auditChainOf(null, admin.id), orgId: null });
    expect(audit.metadata).toMatchObject({ scope: "platform", filter: { orgId: org.id }, rows: 2 });
  });
});
