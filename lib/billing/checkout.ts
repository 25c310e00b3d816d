import "server-only";
import { recordAuditEvent } from "@/lib/audit";
import { getDb, type PrismaClient } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { type BillingConfig, readBillingConfig } from "./config";
import {
  AlreadySubscribedError,
  BillingDisabledError,
  NoBillingAccountError,
  PlanNotForSaleError,
} from "./errors";
import { isPaidPlan } from "./plans";
import { orgBillingOf } from "./state";
import { callStripe, idempotencyKey, stripeClient } from "./stripe";

/** Who asked, for the audit log. `attemptId` names one click: a double submit reuses it. */
export type BillingRequest = {
  orgId: string;
  userId: string;
  attemptId: string;
  ip?: string | null;
  userAgent?: string | null;
};

type Options = { db?: PrismaClient; config?: BillingConfig };

/** Namespace of the per-organization advisory lock that makes "one Stripe customer per org" hold. */
const CUSTOMER_LOCK_NAMESPACE = 1651076204; // "bill"

/**
 * Starts a Stripe-hosted Checkout for `plan` and returns its URL to redirect to. The organization's
 * Stripe customer is created on its first checkout and reused after that; the customer, the session
 * and the subscription all carry the organization id in their metadata, which is how the webhook
 * ties Stripe's objects back to it. A trial (STRIPE_TRIAL_DAYS) is offered on the first subscription
 * only. Permission (billing.manage) is the caller's job: the route wrapper checks it.
 */
export async function startCheckout(
  input: BillingRequest & { plan: string },
  { db = getDb(), config = readBillingConfig() }: Options = {},
): Promise<{ url: string; sessionId: string }> {
  if (!config.enabled) throw new BillingDisabledError();
  const priceId = isPaidPlan(input.plan) ? config.prices[input.plan][0] : undefined;
  if (!priceId) throw new PlanNotForSaleError(input.plan);

  const org = await db.organization.findUniqueOrThrow({
    where: { id: input.orgId },
    select: { slug: true, billingAccount: true },
  });
  const account = org.billingAccount;
  if (!orgBillingOf(account, config).canSubscribe) throw new AlreadySubscribedError();

  const customerId = await ensureCustomer(input, { db, config });
  const firstSubscription = !account?.stripeSubscriptionId && !account?.status;
  const trialDays = firstSubscription && config.trialDays > 0 ? config.trialDays : undefined;
  const billingPage = `${appUrl()}/${org.slug}/billing`;

  const session = await callStripe("start the checkout", () =>
    stripeClient(config).checkout.sessions.create(
      {
        mode: "subscription",
        customer: customerId,
        client_reference_id: input.orgId,
        line_items: [{ price: priceId, quantity: 1 }],
        metadata: { orgId: input.orgId, plan: input.plan },
        subscription_data: {
          metadata: { orgId: input.orgId },
          ...(trialDays ? { trial_period_days: trialDays } : {}),
        },
        success_url: `${billingPage}?checkout=success`,
        cancel_url: `${billingPage}?checkout=canceled`,
      },
      { idempotencyKey: idempotencyKey("checkout", input.orgId, input.attemptId) },
    ),
  );
  if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL.`);

  await recordAuditEvent(
    {
      action: "billing.checkout.started",
      actor: { type: "USER", id: input.userId },
      ip: input.ip,
      userAgent: input.userAgent,
      orgId: input.orgId,
      target: { type: "stripe_checkout_session", id: session.id },
      metadata: { plan: input.plan, priceId, trialDays: trialDays ?? 0 },
    },
    db,
  );
  return { url: session.url, sessionId: session.id };
}

/**
 * Opens the Stripe customer portal (change plan, cancel now or at period end, update the card, see
 * invoices) and returns its URL. Stripe tells the webhook about every change made there.
 */
export async function openCustomerPortal(
  input: BillingRequest,
  { db = getDb(), config = readBillingConfig() }: Options = {},
): Promise<{ url: string }> {
  if (!config.enabled) throw new BillingDisabledError();
  const org = await db.organization.findUniqueOrThrow({
    where: { id: input.orgId },
    select: { slug: true, billingAccount: { select: { stripeCustomerId: true } } },
  });
  if (!org.billingAccount) throw new NoBillingAccountError();
  const customer = org.billingAccount.stripeCustomerId;
  const session = await callStripe("open the billing portal", () =>
    stripeClient(config).billingPortal.sessions.create(
      { customer, return_url: `${appUrl()}/${org.slug}/billing` },
      { idempotencyKey: idempotencyKey("portal", input.orgId, input.attemptId) },
    ),
  );
  return { url: session.url };
}

/**
 * The organization's Stripe customer id, creating the customer (and its BillingAccount row) on first
 * use. A per-organization lock held across the Stripe call makes two simultaneous first checkouts
 * (two tabs) end with one customer; the idempotency key makes the SDK's own retries safe.
 */
async function ensureCustomer(
  input: BillingRequest,
  { db, config }: { db: PrismaClient; config: BillingConfig },
): Promise<string> {
  const existing = await db.billingAccount.findUnique({ where: { orgId: input.orgId } });
  if (existing) return existing.stripeCustomerId;

  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CUSTOMER_LOCK_NAMESPACE}::int4, hashtext(${input.orgId}))`;
      const raced = await tx.billingAccount.findUnique({ where: { orgId: input.orgId } });
      if (raced) return raced.stripeCustomerId;

      const [org, user] = await Promise.all([
        tx.organization.findUniqueOrThrow({ where: { id: input.orgId }, select: { name: true, slug: true } }),
        tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: { email: true } }),
      ]);
      const customer = await callStripe("create the billing customer", () =>
        stripeClient(config).customers.create(
          { name: org.name, email: user.email, metadata: { orgId: input.orgId, orgSlug: org.slug } },
          { idempotencyKey: idempotencyKey("customer", input.orgId, input.attemptId) },
        ),
      );
      await tx.billingAccount.create({ data: { orgId: input.orgId, stripeCustomerId: customer.id } });
      await recordAuditEvent(
        {
          action: "billing.customer.created",
          actor: { type: "USER", id: input.userId },
          ip: input.ip,
          userAgent: input.userAgent,
          orgId: input.orgId,
          target: { type: "stripe_customer", id: customer.id },
        },
        tx,
      );
      return customer.id;
    },
    // The Stripe call (with its retries) happens inside: wait for it rather than Prisma's 5 s.
    { maxWait: 10_000, timeout: 60_000 },
  );
}

function appUrl(): string {
  return serverEnv().APP_URL.replace(/\/+$/, "");
}
