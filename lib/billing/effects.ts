import "server-only";
import { type AuditAction, recordAuditEvent } from "@/lib/audit";
import type { Prisma } from "@/lib/db";
import { logger } from "@/lib/log";
import type { BillingConfig } from "./config";
import { queuePastDueMail } from "./notify";
import {
  type InvoiceOutcome,
  invoiceEventVerdict,
  type OrderState,
  pastDueSinceAfter,
  settledStatus,
  subscriptionEventVerdict,
} from "./order";
import { graceEndOf, planForPrice, type StoredBillingAccount, type SubscriptionStatus } from "./state";
import type { Stripe } from "./stripe";

type Tx = Prisma.TransactionClient;
type Account = StoredBillingAccount & OrderState & { orgId: string };

/** What one event did. Written to its StripeEvent row in the same transaction. */
export type Effect = {
  outcome: "PROCESSED" | "IGNORED";
  /** The organization it concerned, when known. */
  orgId: string | null;
  /** Why nothing was applied (IGNORED): logged and answered to Stripe. */
  reason?: string;
};

export type EffectContext = { config: BillingConfig };

const WEBHOOK_ACTOR = { type: "SYSTEM", id: "stripe-webhook" } as const;

/** Applies `event` inside `tx`. Throwing rolls everything back, the StripeEvent row included. */
export async function applyEvent(tx: Tx, event: Stripe.Event, context: EffectContext): Promise<Effect> {
  const at = new Date(event.created * 1000);
  switch (event.type) {
    case "checkout.session.completed":
      return checkoutCompleted(tx, event.id, event.data.object);
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
    case "customer.subscription.trial_will_end":
      return subscriptionChanged(tx, event.id, event.type, event.data.object, at, context);
    case "invoice.paid":
    case "invoice.payment_failed":
      return invoiceSettled(tx, event.id, event.type, event.data.object, at, context);
    case "charge.refunded":
      return chargeRefunded(tx, event.id, event.data.object);
    case "customer.deleted":
      return customerDeleted(tx, event.id, event.data.object);
    default:
      return ignored(null, `${event.type} events are not used`);
  }
}

function ignored(orgId: string | null, reason: string): Effect {
  return { outcome: "IGNORED", orgId, reason };
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === "string" ? value : (value?.id ?? null);

/**
 * The organization's row for a Stripe customer, locked until the transaction ends: two events for
 * one organization apply one after the other, each seeing what the other committed.
 */
async function lockAccount(tx: Tx, customerId: string | null): Promise<Account | null> {
  if (!customerId) return null;
  await tx.$executeRaw`SELECT 1 FROM "BillingAccount" WHERE "stripeCustomerId" = ${customerId} FOR UPDATE`;
  return tx.billingAccount.findUnique({ where: { stripeCustomerId: customerId } });
}

const NO_ACCOUNT = "no organization has this Stripe customer (accounts are created at checkout)";

async function checkoutCompleted(tx: Tx, eventId: string, session: Stripe.Checkout.Session): Promise<Effect> {
  if (session.mode !== "subscription") return ignored(null, "not a subscription checkout");
  const account = await lockAccount(tx, idOf(session.customer));
  if (!account) return ignored(null, NO_ACCOUNT);
  const claimedOrg = session.metadata?.orgId ?? session.client_reference_id;
  if (claimedOrg && claimedOrg !== account.orgId) {
    logger.warn(
      { eventId, orgId: account.orgId },
      "checkout session names another organization than its customer",
    );
    return ignored(account.orgId, "the session names another organization than its customer's");
  }
  const subscriptionId = idOf(session.subscription);
  const current = account.status;
  // Link the new subscription unless one is running; its status comes with the subscription events.
  const link =
    subscriptionId !== null &&
    subscriptionId !== account.stripeSubscriptionId &&
    (current === null || current === "CANCELED" || current === "INCOMPLETE_EXPIRED");
  if (link) {
    await tx.billingAccount.update({
      where: { orgId: account.orgId },
      data: { stripeSubscriptionId: subscriptionId, ...NO_SUBSCRIPTION_FACTS },
    });
  }
  await audit(tx, "billing.checkout.completed", account.orgId, eventId, {
    target: { type: "stripe_checkout_session", id: session.id },
    metadata: { subscriptionId, linked: link },
  });
  return { outcome: "PROCESSED", orgId: account.orgId };
}

/** A newly linked subscription starts with no status and no payment of its own yet. */
const NO_SUBSCRIPTION_FACTS = {
  status: null,
  subscriptionStatus: null,
  invoiceOutcome: null,
  invoiceEventAt: null,
  pastDueSince: null,
} as const;

const AUDIT_OF_SUBSCRIPTION_EVENT = {
  "customer.subscription.created": "billing.subscription.created",
  "customer.subscription.updated": "billing.subscription.updated",
  "customer.subscription.deleted": "billing.subscription.canceled",
  "customer.subscription.trial_will_end": "billing.subscription.trial_ending",
} as const satisfies Record<string, AuditAction>;

async function subscriptionChanged(
  tx: Tx,
  eventId: string,
  type: keyof typeof AUDIT_OF_SUBSCRIPTION_EVENT,
  subscription: Stripe.Subscription,
  at: Date,
  { config }: EffectContext,
): Promise<Effect> {
  const account = await lockAccount(tx, idOf(subscription.customer));
  if (!account) return ignored(null, NO_ACCOUNT);
  const next = subscriptionColumns(subscription);
  const verdict = subscriptionEventVerdict(
    account,
    { subscriptionId: subscription.id, status: next.status },
    at,
  );
  if (verdict) return ignored(account.orgId, verdict);

  // A payment outcome belongs to its subscription: another one starts without.
  const payment =
    subscription.id === account.stripeSubscriptionId
      ? { invoiceOutcome: account.invoiceOutcome, invoiceEventAt: account.invoiceEventAt }
      : { invoiceOutcome: null, invoiceEventAt: null };
  const { stripeSubscriptionId, status: subscriptionStatus, ...snapshot } = next;
  const settled = settle(account, {
    stripeSubscriptionId,
    subscriptionStatus,
    subscriptionEventAt: at,
    ...payment,
  });
  await tx.billingAccount.update({
    where: { orgId: account.orgId },
    data: {
      stripeSubscriptionId,
      subscriptionStatus,
      subscriptionEventAt: at,
      ...payment,
      ...snapshot,
      ...settled.columns,
    },
  });
  await mailIfPastDue(tx, account.orgId, settled.becamePastDueAt, config);
  await audit(tx, AUDIT_OF_SUBSCRIPTION_EVENT[type], account.orgId, eventId, {
    target: { type: "stripe_subscription", id: subscription.id },
    metadata: {
      status: { from: account.status, to: settled.columns.status },
      plan: {
        from: planForPrice(account.stripePriceId, config) ?? account.stripePriceId,
        to: planForPrice(next.stripePriceId, config) ?? next.stripePriceId,
      },
      cancelAtPeriodEnd: next.cancelAtPeriodEnd,
      currentPeriodEndsAt: next.currentPeriodEndsAt,
      trialEndsAt: next.trialEndsAt,
    },
  });
  return {
    outcome: "PROCESSED",
    orgId: account.orgId,
  };
}

/**
 * The row's status and grace-period start once `facts` replace the stored ones, and when it has just
 * become past due (the one moment the owners are emailed), the start of its grace period.
 */
function settle(account: Account, facts: OrderState) {
  const settled = settledStatus(facts);
  const pastDueSince = pastDueSinceAfter(account, settled);
  const becamePastDue = settled.status === "PAST_DUE" && account.status !== "PAST_DUE";
  return {
    columns: { status: settled.status, pastDueSince },
    becamePastDueAt: becamePastDue ? pastDueSince : null,
  };
}

/** The owners' email when the organization has just become past due, queued in the transaction. */
async function mailIfPastDue(tx: Tx, orgId: string, becamePastDueAt: Date | null, config: BillingConfig) {
  if (becamePastDueAt) await queuePastDueMail(tx, orgId, graceEndOf(becamePastDueAt, config.graceDays));
}

async function invoiceSettled(
  tx: Tx,
  eventId: string,
  type: "invoice.paid" | "invoice.payment_failed",
  invoice: Stripe.Invoice,
  at: Date,
  { config }: EffectContext,
): Promise<Effect> {
  const account = await lockAccount(tx, idOf(invoice.customer));
  if (!account) return ignored(null, NO_ACCOUNT);
  const subscriptionId = subscriptionOfInvoice(invoice);
  const outcome: InvoiceOutcome = type === "invoice.paid" ? "PAID" : "FAILED";
  const verdict = invoiceEventVerdict(account, { subscriptionId, outcome }, at);
  if (verdict || !subscriptionId) return ignored(account.orgId, verdict ?? "the invoice has no subscription");

  // The organization's first subscription may be known from its invoice before any snapshot of it.
  const payment = { stripeSubscriptionId: subscriptionId, invoiceOutcome: outcome, invoiceEventAt: at };
  const settled = settle(account, { ...account, ...payment });
  await tx.billingAccount.update({
    where: { orgId: account.orgId },
    data: { ...payment, ...settled.columns },
  });
  await mailIfPastDue(tx, account.orgId, settled.becamePastDueAt, config);
  await audit(
    tx,
    type === "invoice.paid" ? "billing.invoice.paid" : "billing.invoice.payment_failed",
    account.orgId,
    eventId,
    {
      target: { type: "stripe_invoice", id: invoice.id ?? "unknown" },
      metadata: {
        status: { from: account.status, to: settled.columns.status },
        amountDue: invoice.amount_due,
        amountPaid: invoice.amount_paid,
        currency: invoice.currency,
        attemptCount: invoice.attempt_count,
      },
    },
  );
  return {
    outcome: "PROCESSED",
    orgId: account.orgId,
  };
}

async function chargeRefunded(tx: Tx, eventId: string, charge: Stripe.Charge): Promise<Effect> {
  const customerId = idOf(charge.customer);
  const account = customerId
    ? await tx.billingAccount.findUnique({ where: { stripeCustomerId: customerId } })
    : null;
  if (!account) return ignored(null, NO_ACCOUNT);
  await audit(tx, "billing.charge.refunded", account.orgId, eventId, {
    target: { type: "stripe_charge", id: charge.id },
    metadata: {
      amount: charge.amount,
      amountRefunded: charge.amount_refunded,
      currency: charge.currency,
      fullyRefunded: charge.refunded,
    },
  });
  return { outcome: "PROCESSED", orgId: account.orgId };
}

/**
 * The customer was deleted in Stripe (which also cancels its subscriptions): the organization's link
 * to it goes, so it is on the free plan and its next checkout creates a new customer. Applied whatever
 * the order, since a deleted customer never comes back; later events for it find no account.
 */
async function customerDeleted(
  tx: Tx,
  eventId: string,
  customer: Stripe.Customer | Stripe.DeletedCustomer,
): Promise<Effect> {
  const account = await lockAccount(tx, customer.id);
  if (!account) return ignored(null, NO_ACCOUNT);
  await tx.billingAccount.delete({ where: { orgId: account.orgId } });
  await audit(tx, "billing.customer.deleted", account.orgId, eventId, {
    target: { type: "stripe_customer", id: customer.id },
    metadata: { subscriptionId: account.stripeSubscriptionId, lastStatus: account.status },
  });
  return { outcome: "PROCESSED", orgId: account.orgId };
}

function audit(
  tx: Tx,
  action: AuditAction,
  orgId: string,
  eventId: string,
  details: { target: { type: string; id: string }; metadata: Record<string, unknown> },
) {
  return recordAuditEvent(
    {
      action,
      actor: WEBHOOK_ACTOR,
      orgId,
      target: details.target,
      metadata: { eventId, ...details.metadata },
    },
    tx,
  );
}

const STATUSES: Record<Stripe.Subscription.Status, SubscriptionStatus> = {
  incomplete: "INCOMPLETE",
  incomplete_expired: "INCOMPLETE_EXPIRED",
  trialing: "TRIALING",
  active: "ACTIVE",
  past_due: "PAST_DUE",
  canceled: "CANCELED",
  unpaid: "UNPAID",
  paused: "PAUSED",
};

/** What is stored of a subscription. Reads both the current and pre-2025 payload shapes. */
export function subscriptionColumns(subscription: Stripe.Subscription) {
  const status = STATUSES[subscription.status];
  // An unknown status fails the event (Stripe retries; `billing:replay` once the code knows it).
  if (!status) throw new Error(`Unknown Stripe subscription status "${subscription.status}".`);
  const item = subscription.items?.data?.[0];
  // Endpoints on API versions before 2025-03-31 put the period on the subscription, not its items.
  const legacy = subscription as { current_period_end?: number };
  const periodEnd = item?.current_period_end ?? legacy.current_period_end ?? null;
  return {
    stripeSubscriptionId: subscription.id,
    stripePriceId: item?.price?.id ?? null,
    status,
    trialEndsAt: fromUnix(subscription.trial_end),
    currentPeriodEndsAt: fromUnix(periodEnd),
    // The portal's "cancel at period end" sets cancel_at on newer API versions, the flag on older.
    cancelAtPeriodEnd: subscription.cancel_at_period_end || Boolean(subscription.cancel_at),
  };
}

/** The invoice's subscription: `parent.subscription_details` now, `subscription` before 2025-03-31. */
function subscriptionOfInvoice(invoice: Stripe.Invoice): string | null {
  const legacy = invoice as { subscription?: string | { id: string } | null };
  return idOf(invoice.parent?.subscription_details?.subscription ?? legacy.subscription);
}

const fromUnix = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000) : null);
