import "server-only";
import { getDb, type Prisma, type PrismaClient } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs";
import { logger } from "@/lib/log";
import { type BillingConfig, readBillingConfig } from "./config";
import { callStripe, Stripe, stripeClient } from "./stripe";

// The Stripe customer of an organization carries an email (the one of whoever started its first
// checkout) and the organization's name. When a person's account is hard-deleted (lib/privacy), the
// customers that could name them are dealt with at Stripe, through the `stripe-customer-erasure` job
// (retried with backoff: Stripe can be down when the account goes): the customer of an organization
// deleted with the account is deleted; the customer of an organization that survives gets the
// email of one of its current owners if its email is no longer a member's. Decision 0040.

/** What one `stripe-customer-erasure` job does. */
export type StripeCustomerErasure =
  /** Delete the customer: its organization was deleted with the account. */
  | { customerId: string; orgId: null }
  /** The organization survives: make sure the customer's email is a current member's. */
  | { customerId: string; orgId: string };

/**
 * Queues the erasure of the customers of the organizations a deleted person was in: written in `tx`,
 * the hard delete's transaction, so the jobs exist exactly when the deletion commits. Read the
 * customer ids before the organizations are deleted (their BillingAccount rows cascade).
 */
export async function queueStripeCustomerErasure(
  tx: Prisma.TransactionClient,
  erasures: StripeCustomerErasure[],
): Promise<void> {
  for (const erasure of erasures) {
    await enqueueJob("stripe-customer-erasure", erasure, { inTransaction: tx });
  }
}

/** The customers of these organizations, for queueStripeCustomerErasure. */
export async function stripeCustomersOf(
  db: PrismaClient | Prisma.TransactionClient,
  orgIds: string[],
): Promise<{ orgId: string; customerId: string }[]> {
  if (orgIds.length === 0) return [];
  const accounts = await db.billingAccount.findMany({
    where: { orgId: { in: orgIds } },
    select: { orgId: true, stripeCustomerId: true },
  });
  return accounts.map((account) => ({ orgId: account.orgId, customerId: account.stripeCustomerId }));
}

export type StripeCustomerErasureResult =
  | { customerId: string; outcome: "deleted" | "already_deleted" | "contact_kept" | "contact_replaced" }
  | { customerId: string; outcome: "billing_off" };

/**
 * The job's work. Idempotent: a customer already deleted at Stripe (404) counts as done. Throws
 * StripeUnavailableError (network, Stripe 5xx or 429) for the job to retry.
 */
export async function eraseStripeCustomer(
  erasure: StripeCustomerErasure,
  { db = getDb(), config = readBillingConfig() }: { db?: PrismaClient; config?: BillingConfig } = {},
): Promise<StripeCustomerErasureResult> {
  const { customerId } = erasure;
  if (!config.secretKey) {
    // Billing was switched off after the customer was made: an operator must erase it by hand.
    logger.error({ customerId }, "stripe customer not erased: STRIPE_SECRET_KEY is not set");
    return { customerId, outcome: "billing_off" };
  }
  const stripe = stripeClient(config);
  try {
    if (erasure.orgId === null) {
      await callStripe("delete the billing customer", () => stripe.customers.del(customerId));
      logger.info({ customerId }, "stripe customer of a deleted account's organization deleted");
      return { customerId, outcome: "deleted" };
    }
    const customer = await callStripe("read the billing customer", () =>
      stripe.customers.retrieve(customerId),
    );
    if ("deleted" in customer && customer.deleted) return { customerId, outcome: "already_deleted" };
    const members = await db.membership.findMany({
      where: { orgId: erasure.orgId },
      orderBy: { createdAt: "asc" },
      select: { role: true, user: { select: { email: true } } },
    });
    const emails = new Set(members.map((member) => member.user.email.toLowerCase()));
    if (customer.email && emails.has(customer.email.toLowerCase()))
      return { customerId, outcome: "contact_kept" };
    const owner = members.find((member) => member.role === "OWNER") ?? members[0];
    // An empty string unsets the email at Stripe (no member left: the organization is gone anyway).
    await callStripe("update the billing customer", () =>
      stripe.customers.update(customerId, { email: owner?.user.email ?? "" }),
    );
    logger.info({ customerId, orgId: erasure.orgId }, "stripe customer email replaced by a current owner's");
    return { customerId, outcome: "contact_replaced" };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing") {
      return { customerId, outcome: "already_deleted" };
    }
    throw error;
  }
}
