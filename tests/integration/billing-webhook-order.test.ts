// Order safety of the Stripe webhook as a property: a subscription's lifecycle, delivered in any order,
// ends in the state its in-order delivery ends in. Events are built from Stripe's own example objects
// (tests/support/stripe-fixtures.ts), signed by the real SDK and delivered through the route.
//
// The orders are a seeded random sample (printed; BILLING_ORDER_SEED=<n> replays one run), delivered
// one after the other and also all at once (Stripe's bursts), plus the orders seen in production that
// left a paying customer on the free plan or on the old plan.
import { afterAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import { getOrgBilling } from "@/lib/billing";
import { stopJobProducer } from "@/lib/jobs";
import { billingAccountOf, billingOnForEachTest, createBilledOrg, queuedMailsTo } from "../support/billing";
import { testDb } from "../support/db";
import { sample, seededRandom } from "../support/seeded-random";
import { signedDelivery, stripeId, TEST_PRICES, type TestEvent } from "../support/stripe-events";
import {
  fixtureCheckoutSession,
  fixtureEvent,
  fixtureInvoice,
  fixtureSubscription,
} from "../support/stripe-fixtures";

billingOnForEachTest();
// The past-due email is queued through this process's pg-boss producer.
afterAll(stopJobProducer);

const T0 = 1_790_000_000;
const PERIOD_END = T0 + 30 * 24 * 60 * 60;

/**
 * One subscription's life as Stripe reports it, in Stripe's order, with the seconds of the orders seen
 * in production: Checkout creates the subscription (incomplete, +0), it becomes active (+1), the first
 * invoice is paid and the session completes in the same second (+2); the upgrade to Business (+5) is
 * invoiced a second later (+6); a failed renewal and the move to past_due share a second (+30), as
 * do the paid retry and the move back to active (+40); then the subscription is deleted (+60).
 */
function lifecycle(ids: { orgId: string; customer: string; subscription: string }) {
  const { customer, subscription: id } = ids;
  const snapshot = (status: "incomplete" | "active" | "past_due" | "canceled", price: string, at: number) =>
    fixtureSubscription({
      id,
      customer,
      status,
      price,
      periodEnd: PERIOD_END,
      ...(status === "canceled" ? { canceledAt: at } : {}),
    });
  const invoice = (paid: boolean, billingReason: Parameters<typeof fixtureInvoice>[0]["billingReason"]) =>
    fixtureInvoice({ customer, subscription: id, paid, billingReason });
  return [
    fixtureEvent("customer.subscription.created", snapshot("incomplete", TEST_PRICES.pro, T0), T0),
    fixtureEvent("customer.subscription.updated", snapshot("active", TEST_PRICES.pro, T0 + 1), T0 + 1),
    fixtureEvent("invoice.paid", invoice(true, "subscription_create"), T0 + 2),
    fixtureEvent(
      "checkout.session.completed",
      fixtureCheckoutSession({ customer, subscription: id, orgId: ids.orgId }),
      T0 + 2,
    ),
    fixtureEvent("customer.subscription.updated", snapshot("active", TEST_PRICES.business, T0 + 5), T0 + 5),
    fixtureEvent("invoice.paid", invoice(true, "subscription_update"), T0 + 6),
    fixtureEvent("invoice.payment_failed", invoice(false, "subscription_cycle"), T0 + 30),
    fixtureEvent(
      "customer.subscription.updated",
      snapshot("past_due", TEST_PRICES.business, T0 + 30),
      T0 + 30,
    ),
    fixtureEvent("invoice.paid", invoice(true, "subscription_cycle"), T0 + 40),
    fixtureEvent("customer.subscription.updated", snapshot("active", TEST_PRICES.business, T0 + 40), T0 + 40),
    fixtureEvent(
      "customer.subscription.deleted",
      snapshot("canceled", TEST_PRICES.business, T0 + 60),
      T0 + 60,
    ),
  ];
}

/**
 * Where each prefix of the lifecycle must end, stated from what happened rather than computed: the
 * truth the in-order delivery is also checked against. Equal seconds don't make it ambiguous: a
 * payment and a snapshot of the same second agree (paid → active, failed → past due), and a deleted
 * subscription stays deleted whatever arrives after it.
 *
 * The past-due email: in order, once from the failed renewal on. In any order, exactly as often
 * while the organization ends past due; at most once when the failure is followed by the paid
 * retry or the deletion, since a failure learned of only after its recovery (or the end of the
 * subscription) is not worth an email.
 */
const STAGES = [
  {
    name: "subscribed and upgraded (events 1-6)",
    events: 6,
    truth: { status: "ACTIVE", stripePriceId: TEST_PRICES.business, pastDueSince: null, plan: "business" },
    mailsInOrder: 0,
    mailsMayBeSkipped: false,
  },
  {
    name: "a renewal fails (events 1-8)",
    events: 8,
    truth: {
      status: "PAST_DUE",
      stripePriceId: TEST_PRICES.business,
      pastDueSince: new Date((T0 + 30) * 1000),
      plan: "free", // the grace period (7 days from T0 + 30, in 2026) is long over by the test's clock
    },
    mailsInOrder: 1,
    mailsMayBeSkipped: false,
  },
  {
    name: "the retry is paid (events 1-10)",
    events: 10,
    truth: { status: "ACTIVE", stripePriceId: TEST_PRICES.business, pastDueSince: null, plan: "business" },
    mailsInOrder: 1,
    mailsMayBeSkipped: true,
  },
  {
    name: "canceled (events 1-11)",
    events: 11,
    truth: { status: "CANCELED", stripePriceId: TEST_PRICES.business, pastDueSince: null, plan: "free" },
    mailsInOrder: 1,
    mailsMayBeSkipped: true,
  },
] as const;

function expectPastDueMails(stage: (typeof STAGES)[number], mails: number, label: string) {
  if (stage.mailsMayBeSkipped) expect(mails, label).toBeLessThanOrEqual(stage.mailsInOrder);
  else expect(mails, label).toBe(stage.mailsInOrder);
}

const deliver = async (event: TestEvent) => {
  const response = await POST(signedDelivery(event));
  expect(response.status, `${event.type} answered ${response.status}`).toBe(200);
};

/** The state a person or the entitlement checks can see. */
async function finalState(orgId: string) {
  const account = await billingAccountOf(orgId);
  const billing = await getOrgBilling(orgId);
  return {
    stripeSubscriptionId: account?.stripeSubscriptionId ?? null,
    status: account?.status ?? null,
    stripePriceId: account?.stripePriceId ?? null,
    pastDueSince: account?.pastDueSince ?? null,
    currentPeriodEndsAt: account?.currentPeriodEndsAt ?? null,
    cancelAtPeriodEnd: account?.cancelAtPeriodEnd ?? null,
    plan: billing.plan,
    canSubscribe: billing.canSubscribe,
  };
}

/** Delivers the first `count` lifecycle events in `order` (indexes) to a new organization. */
async function run(count: number, order: number[]) {
  const { org, owner, customer, subscription } = await createBilledOrg();
  const events = lifecycle({ orgId: org.id, customer, subscription }).slice(0, count);
  for (const index of order) {
    const event = events[index];
    if (!event) throw new Error(`no event ${index}`);
    await deliver(event);
  }
  return {
    orgId: org.id,
    subscription,
    state: await finalState(org.id),
    pastDueMails: (await queuedMailsTo(owner.email)).length,
  };
}

const SEED = Number(process.env.BILLING_ORDER_SEED ?? Math.floor(Math.random() * 2 ** 31));
// 30 orders per stage keep `npm test` quick; BILLING_ORDER_SAMPLES=500 for a deep run.
const ORDERS_PER_STAGE = Number(process.env.BILLING_ORDER_SAMPLES ?? 30);
const inOrder = (count: number) => Array.from({ length: count }, (_, index) => index);

describe("stripe webhook: a lifecycle delivered in any order ends where it ends in order", () => {
  console.info(`billing order sample: BILLING_ORDER_SEED=${SEED}`);

  for (const stage of STAGES) {
    it(
      `${stage.name}: in order, and ${ORDERS_PER_STAGE} shuffled orders (seed ${SEED})`,
      async () => {
        const expected = await run(stage.events, inOrder(stage.events));
        expect(expected.state).toMatchObject({ ...stage.truth, stripeSubscriptionId: expected.subscription });
        expect(expected.pastDueMails).toBe(stage.mailsInOrder);
        const { stripeSubscriptionId: _, ...expectedState } = expected.state;

        const next = seededRandom(SEED + stage.events);
        for (let drawn = 0; drawn < ORDERS_PER_STAGE; drawn++) {
          const order = sample(inOrder(stage.events), stage.events, next);
          const label = `order ${order.map((index) => index + 1).join(",")} (seed ${SEED})`;
          const actual = await run(stage.events, order);
          const { stripeSubscriptionId, ...state } = actual.state;
          expect({ ...state, linked: stripeSubscriptionId === actual.subscription }, label).toEqual({
            ...expectedState,
            linked: true,
          });
          expectPastDueMails(stage, actual.pastDueMails, label);
        }
      },
      Math.max(120_000, ORDERS_PER_STAGE * 3_000),
    );
  }
});

describe("stripe webhook: a lifecycle delivered all at once", () => {
  it("each stage's events, shuffled and delivered at once for one organization per stage, end in its truth", async () => {
    const next = seededRandom(SEED);
    const organizations = await Promise.all(
      STAGES.map(async (stage) => {
        const { org, owner, customer, subscription } = await createBilledOrg();
        const events = lifecycle({ orgId: org.id, customer, subscription }).slice(0, stage.events);
        const order = sample(inOrder(events.length), events.length, next);
        return { stage, org, owner, subscription, events: order.map((index) => events[index]) };
      }),
    );
    // Every event of every organization at once (23 deliveries). A 503 (a row lock held longer than
    // the lock timeout) is delivered again, as Stripe retries it.
    const deliverUntilAccepted = async (event: TestEvent | undefined) => {
      if (!event) throw new Error("no event");
      for (let attempt = 1; attempt <= 5; attempt++) {
        const response = await POST(signedDelivery(event));
        if (response.status === 200) return;
        if (response.status !== 503) throw new Error(`${event.type} answered ${response.status}`);
      }
      throw new Error(`${event.type} still answered 503 after 5 attempts`);
    };
    await Promise.all(organizations.flatMap(({ events }) => events.map(deliverUntilAccepted)));
    for (const { stage, org, owner, subscription } of organizations) {
      expect(await finalState(org.id), stage.name).toMatchObject({
        ...stage.truth,
        stripeSubscriptionId: subscription,
      });
      expectPastDueMails(stage, (await queuedMailsTo(owner.email)).length, stage.name);
    }
  }, 120_000);
});

describe("stripe webhook: the orders that left customers on the wrong plan", () => {
  it("checkout (+2), invoice.paid (+2), updated active (+1), created (+0): the customer is on the paid plan", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    const sub = (status: "incomplete" | "active") =>
      fixtureSubscription({
        id: subscription,
        customer,
        status,
        price: TEST_PRICES.pro,
        periodEnd: PERIOD_END,
      });
    await deliver(
      fixtureEvent(
        "checkout.session.completed",
        fixtureCheckoutSession({ customer, subscription, orgId: org.id }),
        T0 + 2,
      ),
    );
    await deliver(
      fixtureEvent(
        "invoice.paid",
        fixtureInvoice({ customer, subscription, paid: true, billingReason: "subscription_create" }),
        T0 + 2,
      ),
    );
    await deliver(fixtureEvent("customer.subscription.updated", sub("active"), T0 + 1));
    await deliver(fixtureEvent("customer.subscription.created", sub("incomplete"), T0));
    expect(await billingAccountOf(org.id)).toMatchObject({
      status: "ACTIVE",
      stripePriceId: TEST_PRICES.pro,
    });
    // Paid and on Pro: no Upgrade button, so no second Checkout for the same customer.
    expect(await getOrgBilling(org.id)).toMatchObject({ plan: "pro", canSubscribe: false });
  });

  it("invoice.paid (+6) before the update to Business (+5): the organization is on Business", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    const sub = (price: string) =>
      fixtureSubscription({ id: subscription, customer, status: "active", price, periodEnd: PERIOD_END });
    await deliver(fixtureEvent("customer.subscription.created", sub(TEST_PRICES.pro), T0));
    await deliver(
      fixtureEvent(
        "invoice.paid",
        fixtureInvoice({ customer, subscription, paid: true, billingReason: "subscription_update" }),
        T0 + 6,
      ),
    );
    await deliver(fixtureEvent("customer.subscription.updated", sub(TEST_PRICES.business), T0 + 5));
    expect(await billingAccountOf(org.id)).toMatchObject({
      status: "ACTIVE",
      stripePriceId: TEST_PRICES.business,
    });
    expect((await getOrgBilling(org.id)).plan).toBe("business");
  });

  it("an invoice of another customer's subscription changes nothing", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    await deliver(
      fixtureEvent(
        "customer.subscription.created",
        fixtureSubscription({
          id: subscription,
          customer,
          status: "active",
          price: TEST_PRICES.pro,
          periodEnd: PERIOD_END,
        }),
        T0,
      ),
    );
    const strangers = fixtureInvoice({
      customer,
      subscription: stripeId("sub"),
      paid: false,
      billingReason: "subscription_cycle",
    });
    await deliver(fixtureEvent("invoice.payment_failed", strangers, T0 + 10));
    expect(await billingAccountOf(org.id)).toMatchObject({
      status: "ACTIVE",
      stripeSubscriptionId: subscription,
    });
    expect(await testDb().stripeEvent.count({ where: { orgId: org.id, outcome: "IGNORED" } })).toBe(1);
  });
});
