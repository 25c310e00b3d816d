import "server-only";
import { recordAuditEvent } from "@/lib/audit";
import { getDb, type PrismaClient } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { type BillingConfig, readBillingConfig } from "./config";
import {
  AlreadySubscribedError,
  BillingDisabledError,
  CheckoutPendingError,
  NoBillingAccountError,
  PlanNotForSaleError,
  StripeUnavailableError,
} from "./errors";
import { isPaidPlan } from "./plans";
import { orgBillingOf, type StoredBillingAccount } from "./state";
import { callStripe, idempotencyKey, Stripe, stripeClient } from "./stripe";

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
/** Namespace of the per-organization advisory lock that makes "one open Checkout per org" hold. */
const CHECKOUT_LOCK_NAMESPACE = 1667786091; // "chek"

// The Stripe calls (with their retries) happen inside the lock: wait for them, not Prisma's 5 s.
const STRIPE_TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

/**
 * Starts a Stripe-hosted Checkout for `plan` and returns its URL to redirect to. The organization's
 * Stripe customer is created on its first checkout and reused after that; the customer, the session
 * and the subscription all carry the organization id in their metadata, which is how the webhook
 * ties Stripe's objects back to it. A trial (STRIPE_TRIAL_DAYS) is offered on the first subscription
 * only. Permission (billing.manage) is the caller's job: the route wrapper checks it.
 *
 * One Checkout at a time: under a per-organization lock, the session started before is looked up at
 * Stripe. Still open (abandoned, or another tab): it is expired, so it can't be paid as well. Paid
 * but not yet linked by the webhook, or its subscription still unconfirmed: CheckoutPendingError
 * (409), since a second Checkout would make a second subscription. A double submit of one click
 * (the same attemptId) gets the same session back.
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
  refuseUnlessCheckoutMakesSense(org.billingAccount, config);

  const customerId = await ensureCustomer(input, { db, config });
  const billingPage = `${appUrl()}/${org.slug}/billing`;

  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHECKOUT_LOCK_NAMESPACE}::int4, hashtext(${input.orgId}))`;
    // Read again under the lock: a webhook or another checkout may have changed it meanwhile.
    const account = await tx.billingAccount.findUniqueOrThrow({ where: { orgId: input.orgId } });
    refuseUnlessCheckoutMakesSense(account, config);
    if (account.checkoutSessionId) await settleEarlierCheckout(account, input.attemptId, config);

    const firstSubscription = !account.stripeSubscriptionId && !account.status;
    const trialDays = firstSubscription && config.trialDays > 0 ? config.trialDays : undefined;
    const session = await callStripe("start the checkout", () =>
      stripeClient(config).checkout.sessions.create(
        {
          mode: "subscription",
          customer: customerId,
          client_reference_id: input.orgId,
          line_items: [{ price: priceId, quantity: 1 }],
          // `attempt` tells a double submit of this click (reuse the session) from a new one (expire it).
          metadata: { orgId: input.orgId, plan: input.plan, attempt: input.attemptId },
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

    await tx.billingAccount.update({
      where: { orgId: input.orgId },
      data: { checkoutSessionId: session.id },
    });
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
      tx,
    );
    return { url: session.url, sessionId: session.id };
  }, STRIPE_TRANSACTION);
}

function refuseUnlessCheckoutMakesSense(account: StoredBillingAccount | null, config: BillingConfig): void {
  const billing = orgBillingOf(account, config);
  if (billing.pending) throw new CheckoutPendingError();
  if (!billing.canSubscribe) throw new AlreadySubscribedError();
}

/**
 * Looks up the Checkout started before this one. Paid, with a subscription the webhook hasn't linked
 * yet: refused. Still open and not this click's own: expired at Stripe (if it was paid in the same
 * instant, Stripe refuses to expire it, and so is this checkout). Expired, or gone: nothing to do.
 */
async function settleEarlierCheckout(
  account: StoredBillingAccount & { checkoutSessionId: string | null },
  attemptId: string,
  config: BillingConfig,
): Promise<void> {
  const sessionId = account.checkoutSessionId as string;
  const earlier = await retrieveCheckout(sessionId, config);
  if (!earlier) return;
  if (earlier.status === "complete") {
    if (paidButNotLinked(earlier, account)) throw new CheckoutPendingError();
    return;
  }
  if (earlier.status !== "open" || earlier.metadata?.attempt === attemptId) return;
  await callStripe("expire the earlier checkout", () =>
    stripeClient(config)
      .checkout.sessions.expire(sessionId)
      .catch((error: unknown) => {
        if (error instanceof Stripe.errors.StripeInvalidRequestError) throw new CheckoutPendingError();
        throw error;
      }),
  );
}

/** The Checkout Session at Stripe, or null when Stripe no longer has it. */
function retrieveCheckout(sessionId: string, config: BillingConfig): Promise<Stripe.Checkout.Session | null> {
  return callStripe("look up the earlier checkout", () =>
    stripeClient(config)
      .checkout.sessions.retrieve(sessionId)
      .catch((error: unknown) => {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing") {
          return null;
        }
        throw error;
      }),
  );
}

/** A completed Checkout whose subscription the stored account doesn't hold yet: paid, not confirmed. */
function paidButNotLinked(session: Stripe.Checkout.Session, account: StoredBillingAccount): boolean {
  if (session.status !== "complete") return false;
  const subscription =
    typeof session.subscription === "string" ? session.subscription : (session.subscription?.id ?? null);
  return subscription !== account.stripeSubscriptionId;
}

/**
 * Whether the organization's last Checkout was paid but Stripe's webhooks haven't confirmed it yet,
 * for the billing page: it then shows "Payment being confirmed" instead of Upgrade buttons, whether
 * or not the visitor came back through Checkout's success link. Asks Stripe only in that narrow
 * state (a Checkout started, no subscription that counts yet); elsewhere it answers from the stored
 * state. Stripe unreachable: false (the page offers Upgrade, and startCheckout, which also asks
 * Stripe, refuses a second Checkout or fails; it never starts one it can't check).
 */
export async function checkoutAwaitingConfirmation(
  orgId: string,
  { db = getDb(), config = readBillingConfig() }: Options = {},
): Promise<boolean> {
  if (!config.enabled) return false;
  const account = await db.billingAccount.findUnique({ where: { orgId } });
  if (!account?.checkoutSessionId || !orgBillingOf(account, config).canSubscribe) return false;
  try {
    const session = await retrieveCheckout(account.checkoutSessionId, config);
    return session !== null && paidButNotLinked(session, account);
  } catch (error) {
    if (error instanceof StripeUnavailableError) return false;
    throw error;
  }
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

  return db.$transaction(async (tx) => {
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
  }, STRIPE_TRANSACTION);
}

function appUrl(): string {
  return serverEnv().APP_URL.replace(/\/+$/, "");
}
