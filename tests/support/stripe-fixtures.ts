// Stripe webhook events built from Stripe's own published example objects (tests/fixtures/stripe/
// objects.json: `resources.<object>` of stripe/openapi's fixtures3.json, MIT licence, copied unchanged),
// so the webhook is tested against the shapes, nesting and odd values real payloads have, not only
// against objects we wrote ourselves. Only what the app keys on is set: ids, customer, status, price,
// the invoice's subscription, the checkout's organization; everything else stays as Stripe wrote it.
import { readFileSync } from "node:fs";
import path from "node:path";
import Stripe from "stripe";
import { checkoutSessionObject, stripeId, type TestEvent } from "./stripe-events";

type StripeObject = Record<string, unknown>;
type Fixtures = {
  subscription: StripeObject & { items: { data: (StripeObject & { price: StripeObject })[] } };
  invoice: StripeObject;
  "checkout.session": StripeObject;
  event: StripeObject;
};

const FIXTURES: Fixtures = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, "../fixtures/stripe/objects.json"), "utf8"),
);
const copy = <T>(value: T): T => structuredClone(value);
const DAY = 24 * 60 * 60;

/** A subscription snapshot as `customer.subscription.*` carries it. */
export function fixtureSubscription(options: {
  id: string;
  customer: string;
  status: Stripe.Subscription.Status;
  price: string;
  periodEnd: number;
  canceledAt?: number;
}): StripeObject {
  const subscription = copy(FIXTURES.subscription);
  const [item] = subscription.items.data;
  if (!item) throw new Error("the subscription fixture has no item");
  return {
    ...subscription,
    id: options.id,
    customer: options.customer,
    status: options.status,
    // The fixture's cancel_at / cancel_at_period_end (set on purpose) would mean "cancels at the end
    // of the period"; this lifecycle's subscription is not being canceled until it is deleted.
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: options.canceledAt ?? null,
    ended_at: options.canceledAt ?? null,
    trial_end: null,
    trial_start: null,
    items: {
      ...subscription.items,
      data: [
        {
          ...item,
          subscription: options.id,
          price: { ...item.price, id: options.price },
          current_period_start: options.periodEnd - 30 * DAY,
          current_period_end: options.periodEnd,
        },
      ],
      has_more: false,
    },
  };
}

/** An invoice of the subscription, paid or with a failed payment attempt. */
export function fixtureInvoice(options: {
  customer: string;
  subscription: string;
  paid: boolean;
  billingReason: "subscription_create" | "subscription_update" | "subscription_cycle";
}): StripeObject {
  const invoice = copy(FIXTURES.invoice);
  const amount = invoice.amount_due as number;
  return {
    ...invoice,
    id: stripeId("in"),
    customer: options.customer,
    status: options.paid ? "paid" : "open",
    paid: options.paid,
    amount_paid: options.paid ? amount : 0,
    amount_remaining: options.paid ? 0 : amount,
    attempted: true,
    attempt_count: 1,
    billing_reason: options.billingReason,
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { metadata: {}, subscription: options.subscription },
    },
  };
}

/** The completed Checkout session that started the subscription: checkoutSessionObject's fields on Stripe's. */
export function fixtureCheckoutSession(options: Parameters<typeof checkoutSessionObject>[0]): StripeObject {
  return { ...copy(FIXTURES["checkout.session"]), ...checkoutSessionObject(options) };
}

/** A fully refunded $19 charge of `customer`: the object of a `charge.refunded` event. */
export function fixtureRefundedCharge(customer: string): StripeObject {
  return {
    id: stripeId("ch"),
    object: "charge",
    customer,
    amount: 1900,
    amount_refunded: 1900,
    refunded: true,
    currency: "usd",
  };
}

/** Stripe's event envelope around `object`, on the SDK's API version. */
export function fixtureEvent(type: string, object: StripeObject, created: number): TestEvent {
  return {
    ...copy(FIXTURES.event),
    id: stripeId("evt"),
    api_version: Stripe.API_VERSION,
    created,
    livemode: false,
    pending_webhooks: 1,
    type,
    data: { object },
  } as TestEvent;
}

/** Who a payload names: what a privacy test seeds and then searches for. */
export interface PayloadPerson {
  name: string;
  email: string;
  phone: string;
  address: { line1: string; city: string; postal_code: string; country: string };
  userId?: string;
}

/**
 * `object` with the person in every field where Stripe puts a customer's personal data (the
 * fixtures leave most of them null): customer_name/email/address/phone/shipping on invoices,
 * customer_details on Checkout sessions, billing_details on charges, shipping, a description, and
 * the user id in metadata (as refunds once sent it).
 */
export function withPersonalData(object: StripeObject, person: PayloadPerson): StripeObject {
  const details = { name: person.name, email: person.email, phone: person.phone, address: person.address };
  return {
    ...object,
    customer_name: person.name,
    customer_email: person.email,
    customer_phone: person.phone,
    customer_address: person.address,
    customer_shipping: { name: person.name, address: person.address, phone: person.phone },
    customer_details: { ...details, tax_exempt: "none", tax_ids: [] },
    billing_details: details,
    shipping_details: { name: person.name, address: person.address },
    receipt_email: person.email,
    description: `Subscription for ${person.name}`,
    metadata: {
      ...((object.metadata as StripeObject | undefined) ?? {}),
      requestedBy: person.userId ?? null,
    },
  };
}
