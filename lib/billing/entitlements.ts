import "server-only";
import { getDb, type PrismaClient } from "@/lib/db";
import { type BillingConfig, readBillingConfig } from "./config";
import { PlanLimitError, UpgradeRequiredError } from "./errors";
import { type Feature, PLANS, type Quota } from "./plans";
import { type OrgBilling, orgBillingOf } from "./state";

export type BillingOptions = { db?: PrismaClient; config?: BillingConfig; now?: Date };

/** The organization's plan and subscription state (see orgBillingOf for what grants what). */
export async function getOrgBilling(orgId: string, options: BillingOptions = {}): Promise<OrgBilling> {
  const { db = getDb(), config = readBillingConfig(), now = new Date() } = options;
  const account = config.enabled ? await db.billingAccount.findUnique({ where: { orgId } }) : null;
  return orgBillingOf(account, config, now);
}

/**
 * Throws UpgradeRequiredError (402 `upgrade_required`, with a message naming the plans that include
 * it) unless the organization's current plan includes `feature`.
 *
 *   await requireEntitlement(ctx.scope.orgId, "audit_export");
 */
export async function requireEntitlement(
  orgId: string,
  feature: Feature,
  options: BillingOptions = {},
): Promise<void> {
  const { plan } = await getOrgBilling(orgId, options);
  if (!PLANS[plan].entitlements.features.includes(feature)) throw new UpgradeRequiredError(plan, feature);
}

/**
 * Guards adding one more of `quota` (a project, a seat): throws PlanLimitError (402
 * `plan_limit_reached`) when the organization already uses everything its plan allows. Returns the
 * allowance (null: unlimited) and the current use. Counting and creating are not one transaction, so
 * two simultaneous creates can both pass at the edge; plan limits are commercial, not security.
 *
 *   await limit(ctx.scope.orgId, "projects");
 */
export async function limit(
  orgId: string,
  quota: Quota,
  options: BillingOptions = {},
): Promise<{ allowed: number | null; used: number }> {
  const { db = getDb(), now = new Date() } = options;
  const { plan } = await getOrgBilling(orgId, options);
  const allowed = PLANS[plan].entitlements[quota];
  const used = await countUsage(db, orgId, quota, now);
  if (allowed !== null && used >= allowed) throw new PlanLimitError(plan, quota, allowed, used);
  return { allowed, used };
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
