import "server-only";
import { cancelSubscriptionNow } from "../billing";
import type { Prisma, PrismaClient } from "../db";
import { SubscriptionStillActiveError } from "./errors";

type Db = PrismaClient | Prisma.TransactionClient;

/** Subscription statuses that bill nobody any more (lib/billing's terminal states). */
const ENDED = new Set(["CANCELED", "INCOMPLETE_EXPIRED"]);

/**
 * Cancels at Stripe, at once, the subscription of an organization about to be deleted with the
 * account of its last member: lib/billing's cancelSubscriptionNow (idempotent; audited as
 * `billing.subscription.canceled`, by the departing user, whose id the hard delete then
 * pseudonymizes). Called outside any transaction (a network call), before the hard delete; a Stripe
 * failure throws, and the job retries later. When it cancels nothing (billing off, or no running
 * subscription), a subscription still recorded as live stops the delete: never leave Stripe billing
 * an organization that is gone.
 */
export async function cancelSubscriptionBeforeOrgDeletion(
  db: PrismaClient,
  orgId: string,
  actorUserId: string,
): Promise<void> {
  const { canceled } = await cancelSubscriptionNow({ orgId, actorUserId }, { db });
  if (!canceled) await assertNoLiveSubscription(db, orgId);
}

/** The organization about to go must not be billed any more. */
export async function assertNoLiveSubscription(db: Db, orgId: string): Promise<void> {
  const account = await db.billingAccount.findUnique({
    where: { orgId },
    select: { stripeSubscriptionId: true, status: true },
  });
  if (!account?.stripeSubscriptionId || (account.status && ENDED.has(account.status))) return;
  throw new SubscriptionStillActiveError(
    `Organization ${orgId} still has a live Stripe subscription (${account.status ?? "status unknown"}) ` +
      "that could not be cancelled (is billing configured: STRIPE_SECRET_KEY?). It must be cancelled " +
      "before the organization is deleted with its last member's account.",
  );
}
