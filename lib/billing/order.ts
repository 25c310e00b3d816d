// Order safety: Stripe delivers events late, twice and out of order. Each event is applied only if it
// is not older than the state already stored (BillingAccount.stripeStateAt, Stripe's `created` time
// of the newest event applied), and never moves a subscription backwards in Stripe's own state
// machine. Pure functions, so the rules read in one place. Why this and not re-reading the
// subscription from Stripe's API: docs/decisions/0017-stripe-webhook-order-safety.md.
import { type SubscriptionStatus, TERMINAL } from "./state";

/** What the rules need of the stored row. */
export type OrderState = {
  stripeSubscriptionId: string | null;
  status: SubscriptionStatus | null;
  stripeStateAt: Date | null;
};

/** null: apply the event. A string: why it is stored but not applied. */
export type OrderVerdict = string | null;

const isOlder = (state: OrderState, eventAt: Date) =>
  state.stripeStateAt !== null && eventAt < state.stripeStateAt;

/**
 * A subscription snapshot (customer.subscription.*). Stripe's `created` has one-second resolution,
 * so two events of the same second are both applied in delivery order, except a move Stripe never
 * makes: out of canceled/incomplete_expired, or back into incomplete.
 */
export function subscriptionEventVerdict(
  state: OrderState,
  incoming: { subscriptionId: string; status: SubscriptionStatus },
  eventAt: Date,
): OrderVerdict {
  const current = state.stripeSubscriptionId;
  if (current && incoming.subscriptionId !== current) {
    // Another subscription: a newer one replaces the current one; an ended one changes nothing.
    if (TERMINAL.has(incoming.status)) return "it concerns an earlier subscription, which has ended";
    if (isOlder(state, eventAt)) return "it is older than the stored state";
    return null;
  }
  if (isOlder(state, eventAt)) return "it is older than the stored state";
  if (state.status && TERMINAL.has(state.status) && !TERMINAL.has(incoming.status)) {
    return "the subscription has ended, and Stripe never revives an ended subscription";
  }
  if (state.status && state.status !== "INCOMPLETE" && incoming.status === "INCOMPLETE") {
    return "a subscription never returns to incomplete";
  }
  return null;
}

/** An invoice event (invoice.paid, invoice.payment_failed) of the organization's subscription. */
export function invoiceEventVerdict(
  state: OrderState,
  subscriptionId: string | null,
  eventAt: Date,
): OrderVerdict {
  if (!subscriptionId || subscriptionId !== state.stripeSubscriptionId) {
    return "the invoice is not for the organization's current subscription";
  }
  if (isOlder(state, eventAt)) return "it is older than the stored state";
  if (state.status && TERMINAL.has(state.status)) return "the subscription has ended";
  return null;
}
