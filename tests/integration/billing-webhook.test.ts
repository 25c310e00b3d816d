// The Stripe webhook route on PostgreSQL, with every delivery signed by the real Stripe SDK: each
// handled event type, duplicates (also 20 at once), out-of-order delivery, and every refusal.

import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import { getOrgBilling, replayStripeEvent, WEBHOOK_MAX_BYTES } from "@/lib/billing";
import { stopJobProducer } from "@/lib/jobs";
import { flushErrorReports, startErrorReporting, stopErrorReporting } from "@/lib/monitoring/server";
import {
  billingAccountOf,
  billingOnForEachTest,
  createBilledOrg,
  queuedMailsTo,
  storedStripeEvent,
} from "../support/billing";
import { simulateOutage, testDb } from "../support/db";
import { type SentryEnvelope, startSentrySink } from "../support/sentry-sink";
import {
  activeSubscriptionCreated,
  chargeObject,
  checkoutSessionObject,
  deletedCustomerObject,
  invoiceObject,
  paymentFailed,
  signatureFor,
  signedDelivery,
  stripeEvent,
  stripeId,
  subscriptionObject,
  TEST_PRICES,
  type TestEvent,
} from "../support/stripe-events";

billingOnForEachTest();
// The past-due email is queued through this process's pg-boss producer.
afterAll(stopJobProducer);

const deliver = async (event: TestEvent, options: Parameters<typeof signedDelivery>[1] = {}) => {
  const response = await POST(signedDelivery(event, options));
  return { status: response.status, body: await response.json() };
};

const auditCount = (orgId: string, action: string) => testDb().auditEvent.count({ where: { orgId, action } });
/** Seconds since the epoch, `offset` seconds from a fixed base so each test orders its own events. */
const at = (offset: number) => 1_790_000_000 + offset;

describe("stripe webhook: every handled event type", () => {
  it("checkout.session.completed links the subscription to the organization", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    const event = stripeEvent(
      "checkout.session.completed",
      checkoutSessionObject({ customer, subscription, orgId: org.id }),
    );
    const { status, body } = await deliver(event);
    expect(status).toBe(200);
    expect(body).toEqual({ received: true, status: "processed", eventId: event.id, orgId: org.id });
    expect(await billingAccountOf(org.id)).toMatchObject({
      stripeSubscriptionId: subscription,
      status: null,
    });
    expect(await storedStripeEvent(event.id)).toMatchObject({
      type: "checkout.session.completed",
      outcome: "PROCESSED",
      orgId: org.id,
      processedAt: expect.any(Date),
      error: null,
    });
    expect(await auditCount(org.id, "billing.checkout.completed")).toBe(1);
  });

  it("customer.subscription.created stores the subscription and grants its plan", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    const periodEnd = at(30 * 86_400);
    const event = stripeEvent(
      "customer.subscription.created",
      subscriptionObject({
        id: subscription,
        customer,
        status: "active",
        price: TEST_PRICES.business,
        periodEnd,
      }),
      { created: at(0) },
    );
    expect((await deliver(event)).body.status).toBe("processed");
    expect(await billingAccountOf(org.id)).toMatchObject({
      stripeSubscriptionId: subscription,
      stripePriceId: TEST_PRICES.business,
      status: "ACTIVE",
      currentPeriodEndsAt: new Date(periodEnd * 1000),
      cancelAtPeriodEnd: false,
      subscriptionEventAt: new Date(at(0) * 1000),
    });
    expect((await getOrgBilling(org.id)).plan).toBe("business");
    const [entry] = await testDb().auditEvent.findMany({
      where: { orgId: org.id, action: "billing.subscription.created" },
    });
    expect(entry).toMatchObject({
      actorType: "SYSTEM",
      actorId: "stripe-webhook",
      targetType: "stripe_subscription",
      targetId: subscription,
      metadata: expect.objectContaining({
        eventId: event.id,
        status: { from: null, to: "ACTIVE" },
        plan: { from: null, to: "business" },
      }),
    });
  });

  it("customer.subscription.updated records a cancellation at the period end (plan kept until then)", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    const update = stripeEvent(
      "customer.subscription.updated",
      subscriptionObject({ id: subscription, customer, status: "active", cancelAtPeriodEnd: true }),
      { created: at(10) },
    );
    expect((await deliver(update)).body.status).toBe("processed");
    expect(await billingAccountOf(org.id)).toMatchObject({ status: "ACTIVE", cancelAtPeriodEnd: true });
    expect(await getOrgBilling(org.id)).toMatchObject({ plan: "pro", cancelAtPeriodEnd: true });
    expect(await auditCount(org.id, "billing.subscription.updated")).toBe(1);
  });

  it("customer.subscription.deleted drops the organization to free without deleting its data", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    await testDb().project.create({ data: { orgId: org.id, name: "Kept" } });
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    const deleted = stripeEvent(
      "customer.subscription.deleted",
      subscriptionObject({ id: subscription, customer, status: "canceled" }),
      { created: at(20) },
    );
    expect((await deliver(deleted)).body.status).toBe("processed");
    expect(await billingAccountOf(org.id)).toMatchObject({
      status: "CANCELED",
      stripeSubscriptionId: subscription,
    });
    expect((await getOrgBilling(org.id)).plan).toBe("free");
    expect(await testDb().project.count({ where: { orgId: org.id } })).toBe(1);
    expect(await auditCount(org.id, "billing.subscription.canceled")).toBe(1);
  });

  it("customer.subscription.trial_will_end keeps the trial's end and is audited", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    const trialEnd = at(3 * 86_400);
    const trial = subscriptionObject({ id: subscription, customer, status: "trialing", trialEnd });
    await deliver(stripeEvent("customer.subscription.created", trial, { created: at(0) }));
    const ending = stripeEvent("customer.subscription.trial_will_end", trial, { created: at(60) });
    expect((await deliver(ending)).body.status).toBe("processed");
    expect(await billingAccountOf(org.id)).toMatchObject({
      status: "TRIALING",
      trialEndsAt: new Date(trialEnd * 1000),
    });
    expect((await getOrgBilling(org.id)).plan).toBe("pro");
    expect(await auditCount(org.id, "billing.subscription.trial_ending")).toBe(1);
  });

  it("invoice.payment_failed makes a renewal past due and emails the owners once; invoice.paid restores it", async () => {
    const { org, owner, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));

    const failed = paymentFailed({ customer, subscription }, at(100));
    expect((await deliver(failed)).body.status).toBe("processed");
    expect(await billingAccountOf(org.id)).toMatchObject({
      status: "PAST_DUE",
      pastDueSince: new Date(at(100) * 1000),
    });
    // Stripe then says the same through the subscription: no second email, the start of the grace kept.
    await deliver(
      stripeEvent(
        "customer.subscription.updated",
        subscriptionObject({ id: subscription, customer, status: "past_due" }),
        { created: at(101) },
      ),
    );
    expect(await billingAccountOf(org.id)).toMatchObject({
      status: "PAST_DUE",
      pastDueSince: new Date(at(100) * 1000),
    });
    const mails = await queuedMailsTo(owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toMatch(/payment failed/i);
    expect(mails[0]?.text).toContain(`/${org.slug}/billing`);
    expect(await auditCount(org.id, "billing.invoice.payment_failed")).toBe(1);

    const paid = stripeEvent("invoice.paid", invoiceObject({ customer, subscription, paid: true }), {
      created: at(200),
    });
    expect((await deliver(paid)).body.status).toBe("processed");
    expect(await billingAccountOf(org.id)).toMatchObject({ status: "ACTIVE", pastDueSince: null });
    expect(await auditCount(org.id, "billing.invoice.paid")).toBe(1);
  });

  it("charge.refunded is recorded in the organization's audit log", async () => {
    const { org, customer } = await createBilledOrg();
    const charge = chargeObject({ customer, amount: 2900, refunded: 1000 });
    const event = stripeEvent("charge.refunded", charge);
    expect((await deliver(event)).body.status).toBe("processed");
    const [entry] = await testDb().auditEvent.findMany({
      where: { orgId: org.id, action: "billing.charge.refunded" },
    });
    expect(entry).toMatchObject({
      targetId: charge.id,
      metadata: expect.objectContaining({ amount: 2900, amountRefunded: 1000, fullyRefunded: false }),
    });
  });

  it("customer.deleted removes the link to Stripe: free plan, and later events for it change nothing", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    expect(
      (await deliver(stripeEvent("customer.deleted", deletedCustomerObject(customer), { created: at(50) })))
        .body.status,
    ).toBe("processed");
    expect(await billingAccountOf(org.id)).toBeNull();
    expect((await getOrgBilling(org.id)).plan).toBe("free");
    expect(await auditCount(org.id, "billing.customer.deleted")).toBe(1);

    const late = stripeEvent(
      "customer.subscription.updated",
      subscriptionObject({ id: subscription, customer, status: "active" }),
      { created: at(40) },
    );
    expect((await deliver(late)).body).toMatchObject({
      status: "ignored",
      reason: expect.stringMatching(/no organization/),
    });
    expect(await billingAccountOf(org.id)).toBeNull();
  });

  it("stores and acknowledges an event type it doesn't use, and one for an unknown customer", async () => {
    const unknownType = stripeEvent("payout.paid", { id: stripeId("po"), object: "payout", amount: 100 });
    expect(await deliver(unknownType)).toEqual({
      status: 200,
      body: {
        received: true,
        status: "ignored",
        eventId: unknownType.id,
        orgId: null,
        reason: "payout.paid events are not used",
      },
    });
    expect(await storedStripeEvent(unknownType.id)).toMatchObject({
      outcome: "IGNORED",
      payload: expect.objectContaining({ id: unknownType.id, type: "payout.paid" }),
    });

    const stranger = stripeEvent(
      "invoice.paid",
      invoiceObject({ customer: stripeId("cus"), subscription: stripeId("sub"), paid: true }),
    );
    expect((await deliver(stranger)).body).toMatchObject({ status: "ignored", orgId: null });
    expect((await storedStripeEvent(stranger.id))?.outcome).toBe("IGNORED");
  });
});

describe("stripe webhook: idempotency", () => {
  it("answers a duplicate delivery 200 and applies nothing the second time", async () => {
    const { org, owner, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    const failed = paymentFailed({ customer, subscription }, at(5));
    expect((await deliver(failed)).body.status).toBe("processed");
    expect(await deliver(failed)).toEqual({
      status: 200,
      body: { received: true, status: "duplicate", eventId: failed.id },
    });
    expect(await auditCount(org.id, "billing.invoice.payment_failed")).toBe(1);
    expect(await queuedMailsTo(owner.email)).toHaveLength(1);
    expect(await testDb().stripeEvent.count({ where: { id: failed.id } })).toBe(1);
  });

  it("applies 20 concurrent deliveries of one event exactly once", async () => {
    const { org, owner, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    const failed = paymentFailed({ customer, subscription }, at(5));

    const results = await Promise.all(Array.from({ length: 20 }, () => deliver(failed)));
    expect(results.map((result) => result.status)).toEqual(Array(20).fill(200));
    const statuses = results.map((result) => result.body.status).sort();
    expect(statuses).toEqual([...Array(19).fill("duplicate"), "processed"]);
    expect(await auditCount(org.id, "billing.invoice.payment_failed")).toBe(1);
    expect(await queuedMailsTo(owner.email)).toHaveLength(1);
    expect(await billingAccountOf(org.id)).toMatchObject({ status: "PAST_DUE" });
  });
});

describe("stripe webhook: order safety", () => {
  it("an `updated` that arrives before `created` wins; the older `created` is stored, not applied", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    const created = stripeEvent(
      "customer.subscription.created",
      subscriptionObject({ id: subscription, customer, status: "incomplete" }),
      { created: at(0) },
    );
    const updated = stripeEvent(
      "customer.subscription.updated",
      subscriptionObject({ id: subscription, customer, status: "active", price: TEST_PRICES.business }),
      { created: at(3) },
    );
    expect((await deliver(updated)).body.status).toBe("processed");
    expect((await deliver(created)).body).toMatchObject({
      status: "ignored",
      reason: "it is older than the stored state",
    });
    expect(await billingAccountOf(org.id)).toMatchObject({
      status: "ACTIVE",
      stripePriceId: TEST_PRICES.business,
      subscriptionEventAt: new Date(at(3) * 1000),
    });
    expect((await storedStripeEvent(created.id))?.outcome).toBe("IGNORED");
    expect(await auditCount(org.id, "billing.subscription.created")).toBe(0);
  });

  it("a stale `updated` after `deleted` can't revive the subscription, even from the same second", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    await deliver(
      stripeEvent(
        "customer.subscription.deleted",
        subscriptionObject({ id: subscription, customer, status: "canceled" }),
        { created: at(30) },
      ),
    );

    const older = stripeEvent(
      "customer.subscription.updated",
      subscriptionObject({ id: subscription, customer, status: "active" }),
      { created: at(20) },
    );
    const sameSecond = stripeEvent(
      "customer.subscription.updated",
      subscriptionObject({ id: subscription, customer, status: "past_due" }),
      { created: at(30) },
    );
    expect((await deliver(older)).body.status).toBe("ignored");
    expect((await deliver(sameSecond)).body).toMatchObject({
      status: "ignored",
      reason: expect.stringMatching(/ended/),
    });
    expect(await billingAccountOf(org.id)).toMatchObject({ status: "CANCELED" });
    expect((await getOrgBilling(org.id)).plan).toBe("free");
  });

  it("a late payment failure doesn't undo a later payment", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    await deliver(
      stripeEvent("invoice.paid", invoiceObject({ customer, subscription, paid: true }), { created: at(50) }),
    );
    const lateFailure = paymentFailed({ customer, subscription }, at(40));
    expect((await deliver(lateFailure)).body.status).toBe("ignored");
    expect(await billingAccountOf(org.id)).toMatchObject({ status: "ACTIVE", pastDueSince: null });
  });

  it("a new subscription replaces an ended one, and the old one's late events change nothing", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    await deliver(
      stripeEvent(
        "customer.subscription.deleted",
        subscriptionObject({ id: subscription, customer, status: "canceled" }),
        { created: at(10) },
      ),
    );
    const second = stripeId("sub");
    await deliver(
      stripeEvent(
        "checkout.session.completed",
        checkoutSessionObject({ customer, subscription: second, orgId: org.id }),
        { created: at(20) },
      ),
    );
    await deliver(
      stripeEvent(
        "customer.subscription.created",
        subscriptionObject({ id: second, customer, status: "active", price: TEST_PRICES.business }),
        { created: at(21) },
      ),
    );
    const oldLate = stripeEvent(
      "customer.subscription.deleted",
      subscriptionObject({ id: subscription, customer, status: "canceled" }),
      { created: at(40) },
    );
    expect((await deliver(oldLate)).body).toMatchObject({
      status: "ignored",
      reason: expect.stringMatching(/earlier subscription/),
    });
    expect(await billingAccountOf(org.id)).toMatchObject({ stripeSubscriptionId: second, status: "ACTIVE" });
    expect((await getOrgBilling(org.id)).plan).toBe("business");
  });
});

describe("stripe webhook: refusals", () => {
  it("refuses a bad signature with 400, without echoing the body or storing anything", async () => {
    const event = stripeEvent("payout.paid", { id: stripeId("po"), object: "payout", note: "ECHO-ME-NOT" });
    const wrongSecret = await POST(signedDelivery(event, { secret: "whsec_someone_else" }));
    expect(wrongSecret.status).toBe(400);
    const text = await wrongSecret.text();
    expect(JSON.parse(text).error.code).toBe("invalid_signature");
    expect(text).not.toContain("ECHO-ME-NOT");

    const payload = JSON.stringify(event);
    const tampered = new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "stripe-signature": signatureFor(payload) },
      body: payload.replace("ECHO-ME-NOT", "ECHO-ME-TOO"),
    });
    expect((await POST(tampered)).status).toBe(400);
    const unsigned = new Request("http://localhost/api/webhooks/stripe", { method: "POST", body: payload });
    expect((await POST(unsigned)).status).toBe(400);
    expect(await storedStripeEvent(event.id)).toBeNull();
  });

  it("refuses a signature older than the 5-minute tolerance (a replayed delivery)", async () => {
    const event = stripeEvent("payout.paid", { id: stripeId("po"), object: "payout" });
    const old = await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(old).toMatchObject({ status: 400, body: { error: { code: "invalid_signature" } } });
    expect(await storedStripeEvent(event.id)).toBeNull();
    expect((await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 4 * 60 })).status).toBe(200);
  });

  it("answers 503 at once when the signing secret is unset, without waiting for the body", async () => {
    vi.stubEnv("STRIPE_WEBHOOK_SECRET", "");
    // A body that never ends: reading it would hang the test until it times out.
    const endless = new ReadableStream({ start() {} });
    const request = new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "stripe-signature": "t=1,v1=abc" },
      body: endless,
      duplex: "half",
    } as RequestInit);
    const response = await POST(request);
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe("webhook_not_configured");
  });

  it("refuses a body over the cap with 413, by Content-Length or while streaming", async () => {
    const big = JSON.stringify(
      stripeEvent("payout.paid", { id: "po_1", object: "payout", pad: "x".repeat(WEBHOOK_MAX_BYTES) }),
    );
    const declared = new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "stripe-signature": signatureFor(big), "content-length": String(Buffer.byteLength(big)) },
      body: big,
    });
    expect((await POST(declared)).status).toBe(413);

    const chunks = [big.slice(0, 1000), big.slice(1000)];
    const streamed = new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "stripe-signature": signatureFor(big) },
      body: new ReadableStream({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(chunk));
        },
      }),
      duplex: "half",
    } as RequestInit);
    const response = await POST(streamed);
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe("payload_too_large");
  });
});

describe("stripe webhook: bounded waits", () => {
  it("answers 503 within the lock timeout when another transaction holds the organization's row, and applies the retry", async () => {
    const { org, customer, subscription } = await createBilledOrg();
    // Another real connection holds the row lock (a slow transaction of another delivery, a migration).
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await holder.query("ROLLBACK");
      await holder.end();
    };
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "BillingAccount" WHERE "orgId" = $1 FOR UPDATE`, [org.id]);
      const event = activeSubscriptionCreated({ customer, subscription }, at(0));
      // A liveness bound, not a timing assertion: without a lock timeout the delivery waits for the
      // holder, so the holder lets go after 25 s and the test reports what the delivery did then.
      const letGo = setTimeout(() => void release(), 25_000);
      const busy = await deliver(event).finally(() => clearTimeout(letGo));
      expect({ released, ...busy }).toMatchObject({
        released: false,
        status: 503,
        body: { error: { code: "stripe_event_busy" } },
      });
      // Nothing was applied or recorded as handled: Stripe's retry applies it.
      expect((await storedStripeEvent(event.id))?.outcome ?? null).not.toBe("PROCESSED");
      expect(await billingAccountOf(org.id)).toMatchObject({ status: null });

      await release();
      expect((await deliver(event)).body.status).toBe("processed");
      expect(await billingAccountOf(org.id)).toMatchObject({ status: "ACTIVE" });
    } finally {
      await release();
    }
  }, 40_000);
});

describe("stripe webhook: failures", () => {
  const sinkReady = startSentrySink(0);
  afterAll(async () => {
    const sink = await sinkReady;
    sink.closeAllConnections();
    await new Promise((resolve) => sink.close(resolve));
    await stopErrorReporting();
  });

  it("answers 500 to an effect that throws, records it FAILED, reports it to Sentry; a retry or replay applies it", async () => {
    const sink = await sinkReady;
    const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
    await startErrorReporting({ SENTRY_DSN: `http://key@${sinkUrl.slice(7)}/1` });

    const { org, customer, subscription } = await createBilledOrg();
    // The database refuses updates of this organization's billing row for a while (an outage).
    const endOutage = await simulateOutage("BillingAccount", "UPDATE", org.id);
    const event = activeSubscriptionCreated({ customer, subscription }, at(0));
    try {
      const failed = await deliver(event);
      expect(failed.status).toBe(500);
      expect(failed.body.error.code).toBe("internal_error");
      expect(await storedStripeEvent(event.id)).toMatchObject({
        outcome: "FAILED",
        error: expect.stringContaining("simulated outage"),
        processedAt: null,
      });
      expect(await billingAccountOf(org.id)).toMatchObject({ status: null });
      expect(await auditCount(org.id, "billing.subscription.created")).toBe(0);
      // Stripe retries while it still fails: still FAILED, still nothing applied.
      expect((await deliver(event)).status).toBe(500);

      await flushErrorReports(2000);
      const envelopes = (await (await fetch(`${sinkUrl}/envelopes`)).json()) as SentryEnvelope[];
      expect(JSON.stringify(envelopes)).toContain(
        `Stripe event ${event.id} (customer.subscription.created) could not be applied`,
      );
    } finally {
      await endOutage();
    }

    expect(await replayStripeEvent(event.id)).toEqual({
      status: "processed",
      eventId: event.id,
      orgId: org.id,
    });
    expect(await storedStripeEvent(event.id)).toMatchObject({ outcome: "PROCESSED", error: null });
    expect(await billingAccountOf(org.id)).toMatchObject({ status: "ACTIVE" });
    // Once applied, neither a replay nor Stripe's next retry applies it again.
    expect(await replayStripeEvent(event.id)).toEqual({ status: "duplicate", eventId: event.id });
    expect((await deliver(event)).body.status).toBe("duplicate");
    expect(await auditCount(org.id, "billing.subscription.created")).toBe(1);
    expect(await replayStripeEvent("evt_never_received")).toEqual({
      status: "not_found",
      eventId: "evt_never_received",
    });
  });
});
