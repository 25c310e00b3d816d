import "server-only";
import type { Prisma, PrismaClient } from "../db";
import { SubscriptionStillActiveError } from "./errors";

type Db = PrismaClient | Prisma.TransactionClient;

/** Subscription statuses that bill nobody any more. */
const ENDED = new Set(["CANCELED", "INCOMPLETE_EXPIRED"]);

/**
 * WIRING POINT (lib/billing): the one place where an organization's Stripe subscription is cancelled
 * before the organization is deleted along with the account of its last member. Called outside any
 * transaction (it is a network call) for every such organization, before the hard delete; it must be
 * idempotent (the job may run again).
 *
 * Until lib/billing's cancellation is wired in here, it only checks: an organization with a live
 * subscription makes the hard delete fail (and retry, and reach Sentry) rather than delete the
 * organization and leave Stripe billing nobody.
 */
export async function cancelSubscriptionBeforeOrgDeletion(db: Db, orgId: string): Promise<void> {
  await assertNoLiveSubscription(db, orgId);
}

/** Inside the hard delete's transaction: the organization about to go must not be billed any more. */
export async function assertNoLiveSubscription(db: Db, orgId: string): Promise<void> {
  const account = await db.billingAccount.findUnique({
    where: { orgId },
    select: { stripeSubscriptionId: true, status: true },
  });
  if (!account?.stripeSubscriptionId || (account.status && ENDED.has(account.status))) return;
  throw new SubscriptionStillActiveError(
    `Organization ${orgId} still has a live Stripe subscription (${account.status ?? "status unknown"}); ` +
      "it must be cancelled before the organization is deleted with its last member's account. Wire " +
      "lib/billing's cancellation into cancelSubscriptionBeforeOrgDeletion (lib/privacy/organization-billing.ts).",
  );
}
