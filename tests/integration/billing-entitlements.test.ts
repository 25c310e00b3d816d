// Entitlement checks on PostgreSQL: what each subscription state grants, the past-due grace period,
// quota counting, the upgrade errors' status, code and message, and billing off.
import { describe, expect, it, vi } from "vitest";
import {
  getOrgBilling,
  limit,
  PlanLimitError,
  requireEntitlement,
  UpgradeRequiredError,
} from "@/lib/billing";
import { billingOnForEachTest, createBilledOrg, createOrgWithOwner } from "../support/billing";
import { testDb } from "../support/db";
import { stripeId, TEST_PRICES } from "../support/stripe-events";
import { createTestUser } from "../support/users";

billingOnForEachTest();

const DAY = 86_400_000;

async function orgOnPlan(
  status: "ACTIVE" | "TRIALING" | "PAST_DUE" | "CANCELED" | "UNPAID",
  pastDueDays?: number,
) {
  const { org, subscription } = await createBilledOrg();
  await testDb().billingAccount.update({
    where: { orgId: org.id },
    data: {
      stripeSubscriptionId: subscription,
      stripePriceId: TEST_PRICES.pro,
      status,
      pastDueSince: pastDueDays === undefined ? null : new Date(Date.now() - pastDueDays * DAY),
    },
  });
  return org;
}

describe("requireEntitlement", () => {
  it("grants a paid feature while trialing, active, or past due within the grace period", async () => {
    for (const org of [
      await orgOnPlan("ACTIVE"),
      await orgOnPlan("TRIALING"),
      await orgOnPlan("PAST_DUE", 6),
    ]) {
      await expect(requireEntitlement(org.id, "audit_export")).resolves.toBeUndefined();
    }
  });

  it("refuses with 402 upgrade_required, naming the plans that include it, once the grace is over or the plan ended", async () => {
    for (const org of [
      await orgOnPlan("PAST_DUE", 8),
      await orgOnPlan("CANCELED"),
      await orgOnPlan("UNPAID"),
    ]) {
      const refusal = await requireEntitlement(org.id, "audit_export").catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(UpgradeRequiredError);
      expect(refusal).toMatchObject({
        status: 402,
        code: "upgrade_required",
        message: expect.stringMatching(
          /Free plan doesn't include .*export the audit log.* Upgrade to Pro or Business/,
        ),
      });
    }
    const pro = await orgOnPlan("ACTIVE");
    await expect(requireEntitlement(pro.id, "priority_support")).rejects.toMatchObject({
      message: expect.stringMatching(/Pro plan .* Upgrade to Business/),
    });
  });

  it("follows the grace period setting", async () => {
    const org = await orgOnPlan("PAST_DUE", 2);
    expect((await getOrgBilling(org.id)).plan).toBe("pro");
    vi.stubEnv("BILLING_PAST_DUE_GRACE_DAYS", "1");
    expect(await getOrgBilling(org.id)).toMatchObject({ plan: "free", pastDue: { inGrace: false } });
  });
});

describe("limit", () => {
  it("counts projects and refuses the one past the free plan's allowance; data is never removed", async () => {
    const { org } = await createOrgWithOwner();
    for (const name of ["One", "Two", "Three", "Four"]) {
      await testDb().project.create({ data: { orgId: org.id, name } });
    }
    expect(await limit(org.id, "projects")).toEqual({ plan: "free", allowed: 5, used: 4, reached: false });
    await testDb().project.create({ data: { orgId: org.id, name: "Five" } });
    const refusal = await limit(org.id, "projects").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(PlanLimitError);
    expect(refusal).toMatchObject({
      status: 402,
      code: "plan_limit_reached",
      message:
        "The Free plan allows 5 projects and this organization has 5. Upgrade to Pro or Business on the organization's billing page (owners and admins).",
    });
  });

  it("counts members and open invitations as seats; Business is unlimited", async () => {
    const { org } = await createOrgWithOwner();
    for (let i = 0; i < 3; i++) {
      const member = await createTestUser();
      await testDb().membership.create({ data: { userId: member.id, orgId: org.id, role: "MEMBER" } });
    }
    const invite = (email: string, expiresAt: Date, extra = {}) =>
      testDb().invitation.create({
        data: { orgId: org.id, email, tokenHash: `hash-${email}-${Date.now()}`, expiresAt, ...extra },
      });
    await invite("open@example.com", new Date(Date.now() + DAY));
    await invite("expired@example.com", new Date(Date.now() - DAY));
    await invite("revoked@example.com", new Date(Date.now() + DAY), { revokedAt: new Date() });
    await expect(limit(org.id, "seats")).rejects.toMatchObject({
      code: "plan_limit_reached",
      used: 5,
      allowed: 5,
    });

    await testDb().billingAccount.create({
      data: {
        orgId: org.id,
        stripeCustomerId: stripeId("cus"),
        stripePriceId: TEST_PRICES.business,
        status: "ACTIVE",
      },
    });
    expect(await limit(org.id, "seats")).toEqual({
      plan: "business",
      allowed: null,
      used: 5,
      reached: false,
    });
  });
});

describe("billing off", () => {
  it("puts every organization on the free plan, whatever is stored, without reading the billing row", async () => {
    const org = await orgOnPlan("ACTIVE");
    expect((await getOrgBilling(org.id)).plan).toBe("pro");
    vi.stubEnv("STRIPE_SECRET_KEY", "");
    expect(await getOrgBilling(org.id)).toMatchObject({ mode: "off", plan: "free", canSubscribe: false });
    const refusal = await requireEntitlement(org.id, "audit_export").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UpgradeRequiredError);
    // Nothing can be bought: the message says so, and who can change it, instead of "upgrade".
    expect((refusal as Error).message).toMatch(/Billing is turned off on this server.*STRIPE_SECRET_KEY/);
    expect((refusal as Error).message).not.toMatch(/Upgrade to/);
  });
});
