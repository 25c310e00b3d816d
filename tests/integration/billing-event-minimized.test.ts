// Stripe payloads are stored minimized (decision 0040): what the billing logic, billing:replay and
// the data export read, and none of the customer's name, email, address or phone, whatever fields
// Stripe put them in. Events are built from Stripe's published example objects, with the person
// written into every personal field, and delivered signed by the real SDK.

import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import { replayStripeEvent } from "@/lib/billing";
import { stopJobProducer } from "@/lib/jobs";
import {
  billingAccountOf,
  billingOnForEachTest,
  createBilledOrg,
  storedStripeEvent,
} from "../support/billing";
import { simulateOutage, testDb } from "../support/db";
import { signedDelivery, stripeEvent, stripeId, TEST_PRICES, type TestEvent } from "../support/stripe-events";
import {
  fixtureCheckoutSession,
  fixtureEvent,
  fixtureInvoice,
  fixtureRefundedCharge,
  fixtureSubscription,
  type PayloadPerson,
  withPersonalData,
} from "../support/stripe-fixtures";

billingOnForEachTest();
afterAll(stopJobProducer);

const person: PayloadPerson = {
  name: "Ottilie Quarrington-Vex",
  email: "ottilie.quarrington@vex-mail.example",
  phone: "+44 20 7946 0958",
  address: { line1: "17 Wharfinger Lane", city: "Lowestoft", postal_code: "NR32 9QZ", country: "GB" },
  userId: "0194c6f4-7777-7000-8000-00000000beef",
};
const identifiers = [
  person.name,
  person.email,
  person.phone,
  person.address.line1,
  person.address.city,
  person.address.postal_code,
  person.userId as string,
];
const at = (offset: number) => 1_790_000_000 + offset;

const deliver = async (event: TestEvent) => {
  const response = await POST(signedDelivery(event));
  return { status: response.status, body: await response.json() };
};

function personalDataIn(payload: unknown): string[] {
  const text = JSON.stringify(payload).toLowerCase();
  return identifiers.filter((identifier) => text.includes(identifier.toLowerCase()));
}

describe("stored Stripe events", () => {
  it("keep what billing needs and none of the customer's personal data, for every event type", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    const periodEnd = at(30 * 86_400);
    const events = [
      fixtureEvent(
        "checkout.session.completed",
        withPersonalData(fixtureCheckoutSession({ customer, subscription, orgId: org.id }), person),
        at(0),
      ),
      fixtureEvent(
        "customer.subscription.created",
        withPersonalData(
          fixtureSubscription({
            id: subscription,
            customer,
            status: "active",
            price: TEST_PRICES.pro,
            periodEnd,
          }),
          person,
        ),
        at(1),
      ),
      fixtureEvent(
        "invoice.paid",
        withPersonalData(
          fixtureInvoice({ customer, subscription, paid: true, billingReason: "subscription_create" }),
          person,
        ),
        at(2),
      ),
      fixtureEvent("charge.refunded", withPersonalData(fixtureRefundedCharge(customer), person), at(3)),
      // A type the app does not use: only its envelope and the object's id survive.
      fixtureEvent("customer.updated", withPersonalData({ id: customer, object: "customer" }, person), at(4)),
    ];
    for (const event of events) {
      expect((await deliver(event)).status, event.type).toBe(200);
      const stored = await storedStripeEvent(event.id);
      expect(stored, event.type).not.toBeNull();
      expect(personalDataIn(stored?.payload), event.type).toEqual([]);
      // Before minimizing, the same payload names the person in every way.
      expect(personalDataIn(event).length, event.type).toBe(identifiers.length);
    }
    // The effects saw everything they needed.
    expect(await billingAccountOf(org.id)).toMatchObject({
      stripeSubscriptionId: subscription,
      stripePriceId: TEST_PRICES.pro,
      status: "ACTIVE",
      invoiceOutcome: "PAID",
      currentPeriodEndsAt: new Date(periodEnd * 1000),
    });
    const invoice = await storedStripeEvent(events[2]?.id as string);
    expect(invoice?.payload).toMatchObject({
      id: events[2]?.id,
      type: "invoice.paid",
      data: {
        object: {
          object: "invoice",
          customer,
          status: "paid",
          currency: expect.any(String),
          amount_paid: expect.any(Number),
          parent: { subscription_details: { subscription } },
        },
      },
    });
  });

  it("replay re-applies a FAILED event from its minimized payload, as a delivery would have", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    const event = fixtureEvent(
      "customer.subscription.created",
      withPersonalData(
        fixtureSubscription({
          id: subscription,
          customer,
          status: "trialing",
          price: TEST_PRICES.business,
          periodEnd: at(86_400),
        }),
        person,
      ),
      at(10),
    );
    const endOutage = await simulateOutage("BillingAccount", "UPDATE", org.id);
    try {
      expect((await deliver(event)).status).toBe(500);
    } finally {
      await endOutage();
    }
    const failed = await storedStripeEvent(event.id);
    expect(failed).toMatchObject({ outcome: "FAILED" });
    expect(personalDataIn(failed?.payload)).toEqual([]);

    expect(await replayStripeEvent(event.id)).toMatchObject({ status: "processed", orgId: org.id });
    expect(await billingAccountOf(org.id)).toMatchObject({
      stripeSubscriptionId: subscription,
      stripePriceId: TEST_PRICES.business,
      status: "TRIALING",
    });
  });

  it("are scrubbed by the migration when they were stored whole before it", async () => {
    const event = stripeEvent(
      "invoice.payment_failed",
      withPersonalData(
        fixtureInvoice({
          customer: stripeId("cus"),
          subscription: stripeId("sub"),
          paid: false,
          billingReason: "subscription_cycle",
        }),
        person,
      ),
    );
    // As the webhook stored payloads before the migration: the whole event.
    await testDb().$executeRaw`
      INSERT INTO "StripeEvent" (id, type, "createdAt", payload, outcome)
      VALUES (${event.id}, ${event.type}, now(), ${JSON.stringify(event)}::jsonb, 'PROCESSED')`;
    expect(personalDataIn((await storedStripeEvent(event.id))?.payload).length).toBe(identifiers.length);

    // The migration's own statement, run again over the table.
    const migration = readFileSync(
      path.resolve(
        import.meta.dirname,
        "../../prisma/migrations/20261207220100_stripe_event_minimized/migration.sql",
      ),
      "utf8",
    );
    const scrub = migration.slice(migration.indexOf('UPDATE "StripeEvent"'));
    await testDb().$executeRawUnsafe(scrub);
    const scrubbed = await storedStripeEvent(event.id);
    expect(personalDataIn(scrubbed?.payload)).toEqual([]);
    expect(scrubbed?.payload).toMatchObject({
      id: event.id,
      data: { object: { object: "invoice", status: "open" } },
    });
  });
});
