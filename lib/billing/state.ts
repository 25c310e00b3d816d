// What an organization's billing row means: which plan it is granted right now. Pure functions of the
// stored row, the config and the clock, so the billing page, the banner and the entitlement checks
// can't disagree.
import type { BillingConfig } from "./config";
import { PAID_PLAN_IDS, type PaidPlanId, type PlanId } from "./plans";

/** Mirrors the Prisma enum SubscriptionStatus; spelled out so this file needs no database client. */
export type SubscriptionStatus =
  | "INCOMPLETE"
  | "INCOMPLETE_EXPIRED"
  | "TRIALING"
  | "ACTIVE"
  | "PAST_DUE"
  | "CANCELED"
  | "UNPAID"
  | "PAUSED";

/** The BillingAccount columns this module's decisions read. */
export type StoredBillingAccount = {
  stripeCustomerId: string;
  stripeSubscriptionId: string | null;
  stripePriceId: string | null;
  status: SubscriptionStatus | null;
  trialEndsAt: Date | null;
  currentPeriodEndsAt: Date | null;
  cancelAtPeriodEnd: boolean;
  pastDueSince: Date | null;
};

export type OrgBilling = {
  /** "off": no STRIPE_SECRET_KEY, everyone is on the free plan. */
  mode: "on" | "off";
  /** The plan granted now: what entitlement checks use. */
  plan: PlanId;
  /** The plan of the subscription's price, granted or not (null: no subscription, or an unknown price). */
  subscribedPlan: PaidPlanId | null;
  status: SubscriptionStatus | null;
  trialEndsAt: Date | null;
  currentPeriodEndsAt: Date | null;
  cancelAtPeriodEnd: boolean;
  /** Set while the subscription is past due: the paid plan is kept until graceEndsAt. */
  pastDue: { since: Date; graceEndsAt: Date; inGrace: boolean } | null;
  /** A Stripe customer exists, so the customer portal can be opened. */
  hasCustomer: boolean;
  /**
   * A checkout's first payment is being confirmed: its subscription is linked but Stripe hasn't said
   * its status yet, or the status is `incomplete` (3-D Secure, a payment still processing). Show that
   * instead of offering another checkout.
   */
  pending: boolean;
  /** A new checkout makes sense: no subscription that is still running or being confirmed. */
  canSubscribe: boolean;
};

/** Statuses of a subscription that still exists and bills: changing plan goes through the portal. */
const RUNNING: ReadonlySet<SubscriptionStatus> = new Set([
  "TRIALING",
  "ACTIVE",
  "PAST_DUE",
  "UNPAID",
  "PAUSED",
]);

/** Statuses Stripe never leaves: a canceled or expired subscription is never revived. */
export const TERMINAL: ReadonlySet<SubscriptionStatus> = new Set(["CANCELED", "INCOMPLETE_EXPIRED"]);

const DAY_MS = 24 * 60 * 60 * 1000;

/** The paid plan a Stripe price id belongs to, or null when no STRIPE_PRICE_* lists it. */
export function planForPrice(priceId: string | null, config: BillingConfig): PaidPlanId | null {
  if (!priceId) return null;
  return PAID_PLAN_IDS.find((plan) => config.prices[plan].includes(priceId)) ?? null;
}

/**
 * The organization's billing as the app sees it. `trialing` and `active` grant the subscribed plan;
 * `past_due` grants it for `graceDays` after it became past due; everything else (canceled, unpaid,
 * incomplete, paused, no subscription, billing off) is the free plan. Data is never deleted on a
 * downgrade: the free plan's limits only stop new things from being added.
 */
export function orgBillingOf(
  account: StoredBillingAccount | null,
  config: BillingConfig,
  now: Date = new Date(),
): OrgBilling {
  const status = account?.status ?? null;
  const subscribedPlan = account ? planForPrice(account.stripePriceId, config) : null;
  const pastDue =
    status === "PAST_DUE" ? pastDueWindow(account?.pastDueSince ?? now, config.graceDays, now) : null;
  const pending =
    config.enabled &&
    account !== null &&
    ((account.stripeSubscriptionId !== null && status === null) || status === "INCOMPLETE");
  const granted =
    config.enabled &&
    subscribedPlan !== null &&
    (status === "ACTIVE" || status === "TRIALING" || (pastDue?.inGrace ?? false));
  return {
    mode: config.enabled ? "on" : "off",
    plan: granted && subscribedPlan ? subscribedPlan : "free",
    subscribedPlan,
    status,
    trialEndsAt: account?.trialEndsAt ?? null,
    currentPeriodEndsAt: account?.currentPeriodEndsAt ?? null,
    cancelAtPeriodEnd: account?.cancelAtPeriodEnd ?? false,
    pastDue,
    hasCustomer: config.enabled && account !== null,
    pending,
    canSubscribe: config.enabled && !pending && (status === null || !RUNNING.has(status)),
  };
}

/** When a subscription past due since `since` loses its paid plan. */
export function graceEndOf(since: Date, graceDays: number): Date {
  return new Date(since.getTime() + graceDays * DAY_MS);
}

function pastDueWindow(since: Date, graceDays: number, now: Date) {
  const graceEndsAt = graceEndOf(since, graceDays);
  return { since, graceEndsAt, inGrace: now < graceEndsAt };
}
