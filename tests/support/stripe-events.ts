// Stripe webhook events for tests, shaped like the ones Stripe sends on the SDK's pinned API version,
// and signed with the real SDK (generateTestHeaderString), exactly as Stripe signs a delivery.
import { randomBytes } from "node:crypto";
import Stripe from "stripe";

export const TEST_WEBHOOK_SECRET = "whsec_shipshape_test_secret";
export const TEST_PRICES = { pro: "price_testpro", business: "price_testbusiness" } as const;
/** The env a test needs for billing on, Stripe's API at `apiBaseUrl` (a fake) when given. */
export function billingEnv(apiBaseUrl?: string): Record<string, string> {
  return {
    STRIPE_SECRET_KEY: "sk_test_shipshape",
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_PRICE_PRO: TEST_PRICES.pro,
    STRIPE_PRICE_BUSINESS: TEST_PRICES.business,
    BILLING_PAST_DUE_GRACE_DAYS: "7",
    ...(apiBaseUrl ? { STRIPE_API_BASE_URL: apiBaseUrl } : {}),
  };
}

export const stripeId = (prefix: string) => `${prefix}_${randomBytes(10).toString("hex")}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const DAY = 24 * 60 * 60;

export type TestEvent = {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
};

/** An event envelope around `object`. `created` (Unix seconds) orders subscription state. */
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  options: { created?: number; id?: string } = {},
): TestEvent {
  return {
    id: options.id ?? stripeId("evt"),
    object: "event",
    api_version: Stripe.API_VERSION,
    created: options.created ?? nowSeconds(),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  } as TestEvent;
}

type SubscriptionOf = { customer: string; subscription: string };

/** `customer.subscription.created` for `subscription`, active: the first event of most webhook tests. */
export function activeSubscriptionCreated(
  { customer, subscription }: SubscriptionOf,
  created?: number,
): TestEvent {
  return stripeEvent(
    "customer.subscription.created",
    subscriptionObject({ id: subscription, customer, status: "active" }),
    { created },
  );
}

/** `invoice.payment_failed` for an unpaid invoice of `subscription`: what makes it past due. */
export function paymentFailed({ customer, subscription }: SubscriptionOf, created?: number): TestEvent {
  return stripeEvent("invoice.payment_failed", invoiceObject({ customer, subscription, paid: false }), {
    created,
  });
}

export function subscriptionObject(options: {
  id: string;
  customer: string;
  status: string;
  price?: string;
  orgId?: string;
  periodEnd?: number;
  trialEnd?: number | null;
  cancelAtPeriodEnd?: boolean;
}): Record<string, unknown> {
  const periodEnd = options.periodEnd ?? nowSeconds() + 30 * DAY;
  return {
    id: options.id,
    object: "subscription",
    customer: options.customer,
    status: options.status,
    cancel_at_period_end: options.cancelAtPeriodEnd ?? false,
    cancel_at: null,
    canceled_at: options.status === "canceled" ? nowSeconds() : null,
    created: nowSeconds(),
    currency: "usd",
    livemode: false,
    metadata: options.orgId ? { orgId: options.orgId } : {},
    trial_end: options.trialEnd ?? null,
    items: {
      object: "list",
      data: [
        {
          id: stripeId("si"),
          object: "subscription_item",
          price: {
            id: options.price ?? TEST_PRICES.pro,
            object: "price",
            currency: "usd",
            unit_amount: 2900,
          },
          quantity: 1,
          current_period_start: periodEnd - 30 * DAY,
          current_period_end: periodEnd,
        },
      ],
      has_more: false,
    },
  };
}

export function invoiceObject(options: {
  customer: string;
  subscription: string;
  paid: boolean;
  amount?: number;
  attemptCount?: number;
}): Record<string, unknown> {
  const amount = options.amount ?? 2900;
  return {
    id: stripeId("in"),
    object: "invoice",
    customer: options.customer,
    status: options.paid ? "paid" : "open",
    amount_due: amount,
    amount_paid: options.paid ? amount : 0,
    currency: "usd",
    attempt_count: options.attemptCount ?? 1,
    billing_reason: "subscription_cycle",
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { subscription: options.subscription, metadata: {} },
    },
  };
}

export function checkoutSessionObject(options: {
  customer: string;
  subscription: string;
  orgId: string;
}): Record<string, unknown> {
  return {
    id: stripeId("cs_test"),
    object: "checkout.session",
    mode: "subscription",
    status: "complete",
    payment_status: "paid",
    customer: options.customer,
    subscription: options.subscription,
    client_reference_id: options.orgId,
    metadata: { orgId: options.orgId, plan: "pro" },
  };
}

export function chargeObject(options: { id?: string; customer: string; amount: number; refunded: number }) {
  return {
    id: options.id ?? stripeId("ch"),
    object: "charge",
    customer: options.customer,
    amount: options.amount,
    amount_refunded: options.refunded,
    refunded: options.refunded === options.amount,
    currency: "usd",
  };
}

export function deletedCustomerObject(customer: string): Record<string, unknown> {
  return { id: customer, object: "customer", deleted: true };
}

/** The Stripe-Signature header for `payload`, made by the real SDK. `timestamp` in Unix seconds. */
export function signatureFor(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? TEST_WEBHOOK_SECRET,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
}

type DeliveryOptions = { secret?: string; timestamp?: number; url?: string };

/** A signed POST to the webhook, as Stripe delivers it. */
export function signedDelivery(event: TestEvent, options: DeliveryOptions = {}): Request {
  return signedPayloadDelivery(JSON.stringify(event), options);
}

/** A signed POST of exactly `payload` (which need not be an event), as Stripe delivers a body. */
export function signedPayloadDelivery(payload: string, options: DeliveryOptions = {}): Request {
  return new Request(options.url ?? "http://localhost/api/webhooks/stripe", {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      "stripe-signature": signatureFor(payload, options),
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    },
    body: payload,
  });
}
