import "server-only";
import { recordAuditEvent } from "@/lib/audit";
import { getDb, type PrismaClient } from "@/lib/db";
import { type BillingConfig, readBillingConfig } from "./config";
import { TERMINAL } from "./state";
import { callStripe, Stripe, stripeClient } from "./stripe";

/**
 * Cancels the organization's subscription at once (no proration), for deleting the organization:
 * its lifecycle says the subscription is canceled before its rows go, so a deleted organization is
 * never billed again. Call it before deleting; `customer.subscription.deleted` arriving afterwards
 * finds no account and changes nothing. Returns whether a subscription was canceled; a subscription
 * Stripe no longer has counts as canceled already. Self-service cancellation is the portal's.
 */
export async function cancelSubscriptionNow(
  input: { orgId: string; actorUserId: string; ip?: string | null; userAgent?: string | null },
  { db = getDb(), config = readBillingConfig() }: { db?: PrismaClient; config?: BillingConfig } = {},
): Promise<{ canceled: boolean }> {
  if (!config.enabled) return { canceled: false };
  const account = await db.billingAccount.findUnique({ where: { orgId: input.orgId } });
  const subscriptionId = account?.stripeSubscriptionId;
  if (!subscriptionId || (account.status && TERMINAL.has(account.status))) return { canceled: false };

  await callStripe("cancel the subscription", () =>
    stripeClient(config)
      .subscriptions.cancel(subscriptionId)
      .catch((error: unknown) => {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing")
          return;
        throw error;
      }),
  );
  await recordAuditEvent(
    {
      action: "billing.subscription.canceled",
      actor: { type: "USER", id: input.actorUserId },
      ip: input.ip,
      userAgent: input.userAgent,
      orgId: input.orgId,
      target: { type: "stripe_subscription", id: subscriptionId },
      metadata: { reason: "organization_deleted", previousStatus: account.status },
    },
    db,
  );
  return { canceled: true };
}

/**
 * The `beforeDelete` hook for lib/orgs' deleteOrganization: cancels the subscription first, so a
 * deleted organization is never billed again, and when Stripe can't be reached nothing is deleted.
 *
 *   await deleteOrganization(scope, input, { beforeDelete: cancelSubscriptionFirst(actor) });
 */
export function cancelSubscriptionFirst(actor: {
  userId: string;
  ip?: string | null;
  userAgent?: string | null;
}): (organization: { id: string }) => Promise<void> {
  return async ({ id }) => {
    await cancelSubscriptionNow({
      orgId: id,
      actorUserId: actor.userId,
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
  };
}
