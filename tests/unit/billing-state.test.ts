// What an organization's billing row grants, and the order rules for Stripe events: pure functions.
import { describe, expect, it } from "vitest";
import type { BillingConfig } from "@/lib/billing/config";
import {
  invoiceEventVerdict,
  type OrderState,
  pastDueSinceAfter,
  settledStatus,
  subscriptionEventVerdict,
} from "@/lib/billing/order";
import { orgBillingOf, type StoredBillingAccount } from "@/lib/billing/state";

const config: BillingConfig = {
  enabled: true,
  secretKey: "sk_test_1",
  webhookSecret: "whsec_1",
  prices: { pro: ["price_pro", "price_pro_yearly"], business: ["price_business"] },
  trialDays: 0,
  graceDays: 7,
  apiBase: undefined,
};
const now = new Date("2026-06-15T12:00:00Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

const account = (overrides: Partial<StoredBillingAccount>): StoredBillingAccount => ({
  stripeCustomerId: "cus_1",
  stripeSubscriptionId: "sub_1",
  stripePriceId: "price_pro",
  status: "ACTIVE",
  trialEndsAt: null,
  currentPeriodEndsAt: null,
  cancelAtPeriodEnd: false,
  pastDueSince: null,
  ...overrides,
});

describe("orgBillingOf: the plan granted", () => {
  it("grants the subscribed plan while trialing or active, for any of its prices", () => {
    expect(orgBillingOf(account({ status: "ACTIVE" }), config, now).plan).toBe("pro");
    expect(orgBillingOf(account({ status: "TRIALING" }), config, now).plan).toBe("pro");
    expect(orgBillingOf(account({ stripePriceId: "price_pro_yearly" }), config, now).plan).toBe("pro");
    expect(orgBillingOf(account({ stripePriceId: "price_business" }), config, now).plan).toBe("business");
  });

  it("keeps a past-due plan for the grace period, then falls back to free", () => {
    const inGrace = orgBillingOf(account({ status: "PAST_DUE", pastDueSince: daysAgo(6) }), config, now);
    expect(inGrace).toMatchObject({
      plan: "pro",
      pastDue: { inGrace: true, graceEndsAt: new Date(daysAgo(-1)) },
    });
    const over = orgBillingOf(account({ status: "PAST_DUE", pastDueSince: daysAgo(8) }), config, now);
    expect(over).toMatchObject({ plan: "free", subscribedPlan: "pro", pastDue: { inGrace: false } });
    expect(
      orgBillingOf(
        account({ status: "PAST_DUE", pastDueSince: daysAgo(1) }),
        { ...config, graceDays: 0 },
        now,
      ).plan,
    ).toBe("free");
  });

  it("puts canceled, unpaid, incomplete and paused subscriptions, and unknown prices, on free", () => {
    for (const status of ["CANCELED", "UNPAID", "INCOMPLETE", "INCOMPLETE_EXPIRED", "PAUSED"] as const) {
      expect(orgBillingOf(account({ status }), config, now).plan).toBe("free");
    }
    expect(orgBillingOf(account({ stripePriceId: "price_retired" }), config, now)).toMatchObject({
      plan: "free",
      subscribedPlan: null,
    });
    expect(orgBillingOf(null, config, now)).toMatchObject({
      plan: "free",
      hasCustomer: false,
      canSubscribe: true,
    });
  });

  it("offers checkout only when no subscription is running", () => {
    expect(orgBillingOf(account({ status: "ACTIVE" }), config, now).canSubscribe).toBe(false);
    expect(orgBillingOf(account({ status: "UNPAID" }), config, now).canSubscribe).toBe(false);
    expect(orgBillingOf(account({ status: "CANCELED" }), config, now).canSubscribe).toBe(true);
    expect(
      orgBillingOf(account({ status: null, stripeSubscriptionId: null }), config, now).canSubscribe,
    ).toBe(true);
  });

  it("shows a linked subscription of unknown status, or an incomplete one, as pending: no second checkout", () => {
    for (const status of [null, "INCOMPLETE"] as const) {
      expect(orgBillingOf(account({ status }), config, now)).toMatchObject({
        pending: true,
        canSubscribe: false,
        plan: "free",
      });
    }
    expect(orgBillingOf(account({ status: "INCOMPLETE_EXPIRED" }), config, now)).toMatchObject({
      pending: false,
      canSubscribe: true,
    });
    expect(orgBillingOf(account({ status: "ACTIVE" }), config, now).pending).toBe(false);
  });

  it("puts everyone on free with billing off, whatever is stored", () => {
    const off = { ...config, enabled: false, secretKey: undefined };
    expect(orgBillingOf(account({ status: "ACTIVE" }), off, now)).toMatchObject({
      mode: "off",
      plan: "free",
      canSubscribe: false,
      hasCustomer: false,
    });
  });
});

describe("order rules", () => {
  const t = (seconds: number) => new Date(1_700_000_000_000 + seconds * 1000);
  const state: OrderState = {
    stripeSubscriptionId: "sub_1",
    subscriptionStatus: "ACTIVE",
    subscriptionEventAt: t(10),
    invoiceOutcome: null,
    invoiceEventAt: null,
  };

  it("applies a subscription event not older than the subscription's clock; ignores an older one", () => {
    expect(
      subscriptionEventVerdict(state, { subscriptionId: "sub_1", status: "PAST_DUE" }, t(11)),
    ).toBeNull();
    expect(
      subscriptionEventVerdict(state, { subscriptionId: "sub_1", status: "PAST_DUE" }, t(10)),
    ).toBeNull();
    expect(subscriptionEventVerdict(state, { subscriptionId: "sub_1", status: "PAST_DUE" }, t(9))).toMatch(
      /older/,
    );
    expect(
      subscriptionEventVerdict(
        { ...state, subscriptionEventAt: null, subscriptionStatus: null },
        { subscriptionId: "sub_1", status: "ACTIVE" },
        t(0),
      ),
    ).toBeNull();
    // A newer payment doesn't make an older snapshot "old": each kind of fact has its own clock.
    expect(
      subscriptionEventVerdict(
        { ...state, invoiceOutcome: "PAID", invoiceEventAt: t(50) },
        { subscriptionId: "sub_1", status: "ACTIVE" },
        t(20),
      ),
    ).toBeNull();
  });

  it("never revives an ended subscription or moves one back to incomplete, even within the same second", () => {
    const ended = { ...state, subscriptionStatus: "CANCELED" as const };
    expect(subscriptionEventVerdict(ended, { subscriptionId: "sub_1", status: "ACTIVE" }, t(10))).toMatch(
      /ended/,
    );
    expect(subscriptionEventVerdict(ended, { subscriptionId: "sub_1", status: "ACTIVE" }, t(99))).toMatch(
      /ended/,
    );
    expect(subscriptionEventVerdict(state, { subscriptionId: "sub_1", status: "INCOMPLETE" }, t(10))).toMatch(
      /incomplete/,
    );
  });

  it("lets a newer subscription replace the current one; an ended other subscription changes nothing", () => {
    expect(subscriptionEventVerdict(state, { subscriptionId: "sub_2", status: "ACTIVE" }, t(20))).toBeNull();
    expect(subscriptionEventVerdict(state, { subscriptionId: "sub_2", status: "ACTIVE" }, t(5))).toMatch(
      /older/,
    );
    expect(subscriptionEventVerdict(state, { subscriptionId: "sub_0", status: "CANCELED" }, t(50))).toMatch(
      /earlier subscription/,
    );
  });

  it("orders invoice events by the invoice clock, for the current (or first) running subscription only", () => {
    const paid = (subscriptionId: string | null) => ({ subscriptionId, outcome: "PAID" as const });
    // Older than the snapshot, but the first payment seen: applied (the snapshot decides what it means).
    expect(invoiceEventVerdict(state, paid("sub_1"), t(5))).toBeNull();
    const afterPayment = { ...state, invoiceOutcome: "PAID" as const, invoiceEventAt: t(10) };
    expect(invoiceEventVerdict(afterPayment, paid("sub_1"), t(9))).toMatch(/older/);
    expect(invoiceEventVerdict(afterPayment, { subscriptionId: "sub_1", outcome: "FAILED" }, t(10))).toMatch(
      /same second/,
    );
    expect(
      invoiceEventVerdict(afterPayment, { subscriptionId: "sub_1", outcome: "FAILED" }, t(11)),
    ).toBeNull();
    expect(invoiceEventVerdict(state, paid("sub_2"), t(20))).toMatch(
      /not for the organization's current subscription/,
    );
    expect(invoiceEventVerdict(state, paid(null), t(20))).toMatch(/not for/);
    expect(invoiceEventVerdict({ ...state, stripeSubscriptionId: null }, paid("sub_9"), t(20))).toBeNull();
    expect(invoiceEventVerdict({ ...state, subscriptionStatus: "CANCELED" }, paid("sub_1"), t(20))).toMatch(
      /ended/,
    );
  });

  it("settles the status from the snapshot and a payment outcome at least as new as it", () => {
    const settle = (overrides: Partial<OrderState>) => settledStatus({ ...state, ...overrides });
    // The issue's order: a paid invoice and no snapshot yet, or only the incomplete one from creation.
    expect(
      settle({
        subscriptionStatus: null,
        subscriptionEventAt: null,
        invoiceOutcome: "PAID",
        invoiceEventAt: t(2),
      }),
    ).toEqual({ status: "ACTIVE", pastDueAt: null });
    expect(
      settle({
        subscriptionStatus: "INCOMPLETE",
        subscriptionEventAt: t(2),
        invoiceOutcome: "PAID",
        invoiceEventAt: t(2),
      }),
    ).toEqual({ status: "ACTIVE", pastDueAt: null });
    // A failed renewal newer than the snapshot makes it past due from the failure's time.
    expect(settle({ invoiceOutcome: "FAILED", invoiceEventAt: t(30) })).toEqual({
      status: "PAST_DUE",
      pastDueAt: t(30),
    });
    // An outcome older than the snapshot is already in it.
    expect(settle({ invoiceOutcome: "FAILED", invoiceEventAt: t(5) })).toEqual({
      status: "ACTIVE",
      pastDueAt: null,
    });
    expect(settle({ subscriptionStatus: "PAST_DUE", invoiceOutcome: "PAID", invoiceEventAt: t(5) })).toEqual({
      status: "PAST_DUE",
      pastDueAt: t(10),
    });
    // Past due since the failure when the failure came before the snapshot saying so.
    expect(
      settle({
        subscriptionStatus: "PAST_DUE",
        subscriptionEventAt: t(31),
        invoiceOutcome: "FAILED",
        invoiceEventAt: t(30),
      }),
    ).toEqual({ status: "PAST_DUE", pastDueAt: t(30) });
    expect(settle({ subscriptionStatus: "PAST_DUE", invoiceOutcome: "PAID", invoiceEventAt: t(40) })).toEqual(
      {
        status: "ACTIVE",
        pastDueAt: null,
      },
    );
    // Ended stays ended, whatever is paid later.
    expect(settle({ subscriptionStatus: "CANCELED", invoiceOutcome: "PAID", invoiceEventAt: t(99) })).toEqual(
      {
        status: "CANCELED",
        pastDueAt: null,
      },
    );
  });

  it("keeps the earliest start of one past-due episode and starts afresh after it", () => {
    const pastDue = (at: Date) => ({ status: "PAST_DUE" as const, pastDueAt: at });
    expect(pastDueSinceAfter({ status: "ACTIVE", pastDueSince: null }, pastDue(t(30)))).toEqual(t(30));
    expect(pastDueSinceAfter({ status: "PAST_DUE", pastDueSince: t(31) }, pastDue(t(30)))).toEqual(t(30));
    expect(pastDueSinceAfter({ status: "PAST_DUE", pastDueSince: t(30) }, pastDue(t(31)))).toEqual(t(30));
    expect(
      pastDueSinceAfter({ status: "PAST_DUE", pastDueSince: t(30) }, { status: "ACTIVE", pastDueAt: null }),
    ).toBeNull();
  });
});
