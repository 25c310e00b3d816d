import "server-only";
import { getDb, type PrismaClient } from "@/lib/db";
import { type BillingConfig, readBillingConfig } from "./config";
import { PlanLimitError, UpgradeRequiredError } from "./errors";
import { type Feature, PLANS, type PlanId, type Quota } from "./plans";
import { type OrgBilling, orgBillingOf } from "./state";

export type BillingOptions = { db?: PrismaClient; config?: BillingConfig; now?: Date };

/** The organization's plan and subscription state (see orgBillingOf for what grants what). */
export async function getOrgBilling(orgId: string, options: BillingOptions = {}): Promise<OrgBilling> {
  const { db = getDb(), config = readBillingConfig(), now = new Date() } = options;
  const account = config.enabled ? await db.billingAccount.findUnique({ where: { orgId } }) : null;
  return orgBillingOf(account, config, now);
}

/** Whether the organization's current plan includes `feature` (pages use it to offer or hide it). */
export async function hasEntitlement(
  orgId: string,
  feature: Feature,
  options: BillingOptions = {},
): Promise<boolean> {
  const { plan } = await getOrgBilling(orgId, options);
  return PLANS[plan].entitlements.features.includes(feature);
}

/**
 * Throws UpgradeRequiredError (402 `upgrade_required`, with a message naming the plans that include
 * it, or saying billing is off) unless the organization's current plan includes `feature`.
 *
 *   await requireEntitlement(ctx.scope.orgId, "audit_export");
 */
export async function requireEntitlement(
  orgId: string,
  feature: Feature,
  options: BillingOptions = {},
): Promise<void> {
  const { plan, mode } = await getOrgBilling(orgId, options);
  if (!PLANS[plan].entitlements.features.includes(feature))
    throw new UpgradeRequiredError(plan, feature, mode);
}

export type QuotaUsage = {
  plan: PlanId;
  /** null: unlimited. */
  allowed: number | null;
  used: number;
  /** True when one more would go over the plan's allowance. */
  reached: boolean;
};

/** How much of `quota` the organization uses and its plan allows (pages show "3 of 5 projects"). */
export async function quotaUsage(
  orgId: string,
  quota: Quota,
  options: BillingOptions = {},
): Promise<QuotaUsage & { mode: OrgBilling["mode"] }> {
  const { db = getDb(), now = new Date() } = options;
  const { plan, mode } = await getOrgBilling(orgId, options);
  const allowed = PLANS[plan].entitlements[quota];
  const used = await countUsage(db, orgId, quota, now);
  return { plan, mode, allowed, used, reached: allowed !== null && used >= allowed };
}

/**
 * Guards adding one more of `quota` (a project, a seat): throws PlanLimitError (402
 * `plan_limit_reached`) when the organization already uses everything its plan allows. Returns the
 * usage. Counting and creating are not one transaction, so two simultaneous creates can both pass
 * at the edge; plan limits are commercial, not security (decision 0018).
 *
 *   await limit(ctx.scope.orgId, "projects");
 */
export async function limit(orgId: string, quota: Quota, options: BillingOptions = {}): Promise<QuotaUsage> {
  const { mode, ...usage } = await quotaUsage(orgId, quota, options);
  if (usage.reached) {
    throw new PlanLimitError(usage.plan, quota, usage.allowed as number, usage.used, mode);
  }
  return usage;
}

/** Seats count members and invitations still open (each would become a member). */
async function countUsage(db: PrismaClient, orgId: string, quota: Quota, now: Date): Promise<number> {
  switch (quota) {
    case "projects":
      return db.project.count({ where: { orgId } });
    case "seats": {
      const [members, invitations] = await Promise.all([
        db.membership.count({ where: { orgId } }),
        db.invitation.count({
          where: { orgId, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
        }),
      ]);
      return members + invitations;
    }
  }
}
