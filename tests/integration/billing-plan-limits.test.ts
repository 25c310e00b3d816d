// The plan's allowances, enforced where customers meet them: the endpoints that add a project, send
// an invitation (a seat), export the audit log and require MFA of every member. Through the route
// handlers with real session cookies, on PostgreSQL, with billing on (the test Stripe settings;
// nothing here calls Stripe) and then off.
import { describe, expect, it, vi } from "vitest";
import { GET as exportAudit } from "@/app/api/orgs/[org]/audit/export/route";
import { POST as sendInvitation } from "@/app/api/orgs/[org]/invitations/route";
import { POST as createProject } from "@/app/api/orgs/[org]/projects/route";
import { PATCH as updateOrganization } from "@/app/api/orgs/[org]/route";
import { encryptSecret, generateTotpSecret } from "@/lib/auth";
import { PLANS } from "@/lib/billing";
import { billingOnForEachTest, putOnPaidPlan } from "../support/billing";
import { testDb } from "../support/db";
import { createTestOrg } from "../support/orgs";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { freshIp } from "../support/users";

const FREE = PLANS.free.entitlements;

billingOnForEachTest();

/**
 * An organization on the free plan, and a caller for its endpoints with its owner's session (with
 * `ownerMfa`, an owner enrolled in MFA whose session passed it, as requiring MFA asks).
 */
async function freeOrg(options: { ownerMfa?: boolean } = {}) {
  const { org, owner } = await createTestOrg(["OWNER"]);
  const userId = owner().userId;
  if (options.ownerMfa) {
    await testDb().user.update({
      where: { id: userId },
      data: {
        mfaEnabledAt: new Date(),
        mfaSecretEncrypted: encryptSecret(generateTotpSecret(), `user:${userId}:totp`),
      },
    });
  }
  const cookie = await sessionCookieFor(userId, options.ownerMfa ? { mfa: "verified" } : {});
  const call = async (
    handler: (request: Request, context: { params: Promise<{ org: string }> }) => Promise<Response>,
    path: string,
    options: { method?: string; body?: unknown } = {},
  ) => {
    const response = await handler(
      appRequest(`/api/orgs/${org.slug}${path}`, { cookie, ip: freshIp(), ...options }),
      {
        params: Promise.resolve({ org: org.slug }),
      },
    );
    const text = await response.text();
    return { status: response.status, body: text.startsWith("{") ? JSON.parse(text) : text };
  };
  return { org, call };
}

describe("projects", () => {
  it("creates up to the free plan's allowance, then answers 402 with the upgrade path and creates nothing", async () => {
    const { org, call } = await freeOrg();
    for (let i = 1; i <= (FREE.projects as number); i++) {
      expect((await call(createProject, "/projects", { body: { name: `Project ${i}` } })).status).toBe(201);
    }
    const refused = await call(createProject, "/projects", { body: { name: "One too many" } });
    expect(refused).toEqual({
      status: 402,
      body: {
        error: {
          code: "plan_limit_reached",
          message: `The Free plan allows ${FREE.projects} projects and this organization has ${FREE.projects}. Upgrade to Pro or Business on the organization's billing page (owners and admins).`,
        },
      },
    });
    expect(await testDb().project.count({ where: { orgId: org.id } })).toBe(FREE.projects);

    // Paying lifts the limit at once.
    await putOnPaidPlan(org.id, "pro");
    expect((await call(createProject, "/projects", { body: { name: "One too many" } })).status).toBe(201);
  });
});

describe("invitations", () => {
  it("counts members and pending invitations as seats and refuses the one past the plan", async () => {
    const { org, call } = await freeOrg();
    // The owner holds one seat; each pending invitation holds another.
    for (let i = 1; i < (FREE.seats as number); i++) {
      const sent = await call(sendInvitation, "/invitations", {
        body: { email: `seat-${i}-${org.slug}@example.com`, role: "MEMBER" },
      });
      expect(sent.status).toBe(201);
    }
    const refused = await call(sendInvitation, "/invitations", {
      body: { email: `over-${org.slug}@example.com`, role: "MEMBER" },
    });
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe("plan_limit_reached");
    expect(refused.body.error.message).toMatch(/allows 5 members and pending invitations/);
    expect(await testDb().invitation.count({ where: { orgId: org.id } })).toBe((FREE.seats as number) - 1);
  });
});

describe("features", () => {
  it("refuses the audit export on the free plan with 402 upgrade_required, and serves it on Pro", async () => {
    const { org, call } = await freeOrg();
    const refused = await call(exportAudit, "/audit/export");
    expect(refused.status).toBe(402);
    expect(refused.body.error).toEqual({
      code: "upgrade_required",
      message:
        "The Free plan doesn't include this: export the audit log. Upgrade to Pro or Business on the organization's billing page (owners and admins).",
    });
    // The refusal exported nothing, so nothing was audited as exported.
    expect(await testDb().auditEvent.count({ where: { orgId: org.id, action: "audit.exported" } })).toBe(0);

    await putOnPaidPlan(org.id, "pro");
    expect((await call(exportAudit, "/audit/export")).status).toBe(200);
  });

  it("lets an organization turn on required MFA only on a plan that includes it, and always turn it off", async () => {
    const { org, call } = await freeOrg({ ownerMfa: true });
    const refused = await call(updateOrganization, "", { method: "PATCH", body: { requireMfa: true } });
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe("upgrade_required");
    expect((await testDb().organization.findUniqueOrThrow({ where: { id: org.id } })).requireMfa).toBe(false);
    // Other settings are not a plan feature.
    expect((await call(updateOrganization, "", { method: "PATCH", body: { name: "Renamed" } })).status).toBe(
      200,
    );

    await putOnPaidPlan(org.id, "pro");
    expect((await call(updateOrganization, "", { method: "PATCH", body: { requireMfa: true } })).status).toBe(
      200,
    );
    // Downgraded with the setting on: it can still be turned off.
    await testDb().billingAccount.update({ where: { orgId: org.id }, data: { status: "CANCELED" } });
    expect(
      (await call(updateOrganization, "", { method: "PATCH", body: { requireMfa: false } })).status,
    ).toBe(200);
  });
});

describe("billing off", () => {
  it("applies the free plan and says that billing is off instead of offering an upgrade", async () => {
    vi.stubEnv("STRIPE_SECRET_KEY", "");
    const { call } = await freeOrg();
    const refused = await call(exportAudit, "/audit/export");
    expect(refused.status).toBe(402);
    expect(refused.body.error.message).toBe(
      "The Free plan doesn't include this: export the audit log. Billing is turned off on this server, so every organization is on the Free plan. An operator can turn billing on (STRIPE_SECRET_KEY, see docs/BILLING.md) or change the Free plan in lib/billing/plans.ts.",
    );
  });
});
