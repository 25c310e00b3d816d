// Order safety: Stripe delivers events late, twice and out of order. Each kind of fact is ordered by
// its own clock (Stripe's `created` time of the newest event of that kind applied):
// - the subscription's snapshot (customer.subscription.*: status, price, period) by
//   BillingAccount.subscriptionEventAt;
// - the latest payment outcome (invoice.paid / invoice.payment_failed) by BillingAccount.invoiceEventAt.
// An event older than its own clock is stored, not applied. The status the app acts on is then derived
// from both facts (`settledStatus`): a payment newer than the snapshot (or of the same second) moves it
// the way Stripe itself would; an older one is already reflected in the snapshot. So a payment never
// hides a later-arriving but older snapshot's price, and a snapshot never hides a newer payment.
// Pure functions, so the rules read in one place: docs/decisions/0030-billing-facts-ordered-by-their-own-clocks.md.
import { type SubscriptionStatus, TERMINAL } from "./state";

export type InvoiceOutcome = "PAID" | "FAILED";

/** What the rules need of the stored row. */
export type OrderState = {
  stripeSubscriptionId: string | null;
  /** The status in the newest subscription snapshot applied (null: none yet). */
  subscriptionStatus: SubscriptionStatus | null;
  subscriptionEventAt: Date | null;
  invoiceOutcome: InvoiceOutcome | null;
  invoiceEventAt: Date | null;
};

/** null: apply the event. A string: why it is stored but not applied. */
export type OrderVerdict = string | null;

const OLDER = "it is older than the stored state";
const isOlder = (clock: Date | null, eventAt: Date) => clock !== null && eventAt < clock;

/**
 * A subscription snapshot (customer.subscription.*), ordered by the subscription's clock. Stripe's
 * `created` has one-second resolution, so two snapshots of the same second are both applied in
 * delivery order, except a move Stripe never makes: out of canceled/incomplete_expired, or back into
 * incomplete.
 */
export function subscriptionEventVerdict(
  state: OrderState,
  incoming: { subscriptionId: string; status: SubscriptionStatus },
  eventAt: Date,
): OrderVerdict {
  const current = state.stripeSubscriptionId;
  const snapshot = state.subscriptionStatus;
  if (current && incoming.subscriptionId !== current) {
    // Another subscription: a newer one replaces the current one; an ended one changes nothing.
    if (TERMINAL.has(incoming.status)) return "it concerns an earlier subscription, which has ended";
    if (isOlder(state.subscriptionEventAt, eventAt)) return OLDER;
    return null;
  }
  if (isOlder(state.subscriptionEventAt, eventAt)) return OLDER;
  if (snapshot && TERMINAL.has(snapshot) && !TERMINAL.has(incoming.status)) {
    return "the subscription has ended, and Stripe never revives an ended subscription";
  }
  if (snapshot && snapshot !== "INCOMPLETE" && incoming.status === "INCOMPLETE") {
    return "a subscription never returns to incomplete";
  }
  return null;
}

/**
 * An invoice event (invoice.paid, invoice.payment_failed) of the organization's subscription, ordered
 * by the invoice clock. Of two outcomes in the same second, a payment is kept over a failure (Stripe
 * retries a failed invoice until it is paid, never the other way round).
 */
export function invoiceEventVerdict(
  state: OrderState,
  invoice: { subscriptionId: string | null; outcome: InvoiceOutcome },
  eventAt: Date,
): OrderVerdict {
  const { subscriptionId } = invoice;
  // No subscription linked yet: the invoice's is the organization's first (its snapshot may come later).
  if (
    !subscriptionId ||
    (state.stripeSubscriptionId !== null && subscriptionId !== state.stripeSubscriptionId)
  ) {
    return "the invoice is not for the organization's current subscription";
  }
  if (isOlder(state.invoiceEventAt, eventAt)) return OLDER;
  if (
    state.invoiceEventAt?.getTime() === eventAt.getTime() &&
    state.invoiceOutcome === "PAID" &&
    invoice.outcome === "FAILED"
  ) {
    return "a payment of the same second is kept over a failure";
  }
  if (state.subscriptionStatus && TERMINAL.has(state.subscriptionStatus)) return "the subscription has ended";
  return null;
}

/**
 * The status the app acts on, from the two facts, and since when it has been past due (the grace
 * period's start) when it is. A payment outcome at least as new as the snapshot moves the snapshot's
 * status as Stripe does (paid: incomplete, past_due and unpaid become active; failed: active and
 * trialing become past_due); an older outcome is already in the snapshot. An ended subscription stays
 * ended.
 */
export function settledStatus(state: OrderState): {
  status: SubscriptionStatus | null;
  pastDueAt: Date | null;
} {
  const snapshot = state.subscriptionStatus;
  const snapshotAt = state.subscriptionEventAt;
  const paymentAt = state.invoiceEventAt;
  const paymentCounts =
    paymentAt !== null &&
    !(snapshot && TERMINAL.has(snapshot)) &&
    !(snapshotAt !== null && paymentAt < snapshotAt);
  if (paymentCounts && state.invoiceOutcome === "PAID" && (snapshot === null || UNPAID.has(snapshot))) {
    return { status: "ACTIVE", pastDueAt: null };
  }
  const failedAt = state.invoiceOutcome === "FAILED" ? paymentAt : null;
  if (snapshot === "PAST_DUE") {
    // The failed payment that made it past due is the earlier evidence when it came first.
    return { status: "PAST_DUE", pastDueAt: earliest(snapshotAt, failedAt) };
  }
  if (paymentCounts && failedAt && (snapshot === "ACTIVE" || snapshot === "TRIALING")) {
    return { status: "PAST_DUE", pastDueAt: failedAt };
  }
  return { status: snapshot, pastDueAt: null };
}

/** Statuses a paid invoice ends: Stripe makes the subscription active. */
const UNPAID: ReadonlySet<SubscriptionStatus> = new Set(["INCOMPLETE", "PAST_DUE", "UNPAID"]);

const earliest = (a: Date | null, b: Date | null) => (a && b ? (a < b ? a : b) : (a ?? b));

/**
 * When the organization became past due: kept across events of the same episode (the earliest
 * evidence of it), started afresh when it was not past due before, cleared when it no longer is.
 */
export function pastDueSinceAfter(
  before: { status: SubscriptionStatus | null; pastDueSince: Date | null },
  settled: { status: SubscriptionStatus | null; pastDueAt: Date | null },
): Date | null {
  if (settled.status !== "PAST_DUE") return null;
  const evidence = settled.pastDueAt;
  if (before.status !== "PAST_DUE") return evidence;
  return earliest(before.pastDueSince, evidence);
}
