// What the app sends to Stripe's API, against a local fake that records every request: checkout
// (customer reused, org id in the metadata, idempotency keys), the portal, refunds, cancellation.
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { POST as refundRoute } from "@/app/api/admin/orgs/[org]/refunds/route";
import { DELETE as deleteOrgRoute } from "@/app/api/orgs/[org]/route";
import {
  AlreadySubscribedError,
  BillingDisabledError,
  ChargeNotFoundError,
  cancelSubscriptionNow,
  NoBillingAccountError,
  openCustomerPortal,
  PlanNotForSaleError,
  RefundRefusedError,
  refundCharge,
  StripeUnavailableError,
  startCheckout,
} from "@/lib/billing";
import {
  billingAccountOf,
  createBilledOrg,
  createOrgWithOwner,
  fakeStripeForThisFile,
} from "../support/billing";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { stripeId, TEST_PRICES } from "../support/stripe-events";
import { createTestUser, freshIp } from "../support/users";

const fake = fakeStripeForThisFile();

const auditCount = (orgId: string, action: string) => testDb().auditEvent.count({ where: { orgId, action } });
const request = (org: { id: string }, owner: { id: string }, attemptId = randomUUID()) => ({
  orgId: org.id,
  userId: owner.id,
  attemptId,
  ip: "192.0.2.10",
  userAgent: "vitest",
});

describe("checkout", () => {
  it("creates the customer once with the org id, then reuses it; every create carries an idempotency key", async () => {
    const { org, owner } = await createOrgWithOwner();
    const first = request(org, owner);
    const session = await startCheckout({ ...first, plan: "pro" });
    expect(session.url).toBe(`${fake.url}/checkout/${session.sessionId}`);

    const [customerCreate] = fake.requestsTo("POST /v1/customers");
    expect(customerCreate).toMatchObject({
      apiKey: "sk_test_shipshape",
      idempotencyKey: `shipshape:customer:${org.id}:${first.attemptId}`,
      body: { name: org.name, email: owner.email, metadata: { orgId: org.id, orgSlug: org.slug } },
    });
    const customerId = fake.customers()[0]?.id;
    expect(await billingAccountOf(org.id)).toMatchObject({ stripeCustomerId: customerId, status: null });

    const [sessionCreate] = fake.requestsTo("POST /v1/checkout/sessions");
    expect(sessionCreate).toMatchObject({
      idempotencyKey: `shipshape:checkout:${org.id}:${first.attemptId}`,
      body: {
        mode: "subscription",
        customer: customerId,
        client_reference_id: org.id,
        line_items: [{ price: TEST_PRICES.pro, quantity: "1" }],
        metadata: { orgId: org.id, plan: "pro" },
        subscription_data: { metadata: { orgId: org.id } },
        success_url: expect.stringMatching(new RegExp(`/${org.slug}/billing\\?checkout=success$`)),
        cancel_url: expect.stringMatching(new RegExp(`/${org.slug}/billing\\?checkout=canceled$`)),
      },
    });

    // Back from Stripe without paying, then another try (a new click): same customer, no new one.
    await startCheckout({ ...request(org, owner), plan: "business" });
    expect(fake.requestsTo("POST /v1/customers")).toHaveLength(1);
    const sessions = fake.requestsTo("POST /v1/checkout/sessions");
    expect(sessions[1]?.body).toMatchObject({
      customer: customerId,
      line_items: [{ price: TEST_PRICES.business }],
    });
    expect(await auditCount(org.id, "billing.customer.created")).toBe(1);
    expect(await auditCount(org.id, "billing.checkout.started")).toBe(2);
  });

  it("makes one session of a double submit, and one customer of two first checkouts at once", async () => {
    const { org, owner } = await createOrgWithOwner();
    const [a, b] = await Promise.all([
      startCheckout({ ...request(org, owner), plan: "pro" }),
      startCheckout({ ...request(org, owner), plan: "pro" }),
    ]);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(fake.customers()).toHaveLength(1);
    expect(new Set(fake.requestsTo("POST /v1/checkout/sessions").map((r) => r.body.customer)).size).toBe(1);

    const click = request(org, owner);
    const [once, again] = [
      await startCheckout({ ...click, plan: "pro" }),
      await startCheckout({ ...click, plan: "pro" }),
    ];
    expect(again.sessionId).toBe(once.sessionId);
  });

  it("offers the configured trial on the first subscription only", async () => {
    vi.stubEnv("STRIPE_TRIAL_DAYS", "14");
    const { org, owner } = await createOrgWithOwner();
    await startCheckout({ ...request(org, owner), plan: "pro" });
    expect(fake.requestsTo("POST /v1/checkout/sessions")[0]?.body).toMatchObject({
      subscription_data: { trial_period_days: "14" },
    });

    await testDb().billingAccount.update({
      where: { orgId: org.id },
      data: { stripeSubscriptionId: stripeId("sub"), status: "CANCELED" },
    });
    await startCheckout({ ...request(org, owner), plan: "pro" });
    const second = fake.requestsTo("POST /v1/checkout/sessions")[1]?.body as { subscription_data: object };
    expect(second.subscription_data).toEqual({ metadata: { orgId: org.id } });
  });

  it("refuses what can't be bought, a second subscription, and billing that is off", async () => {
    const { org, owner, customer } = await createBilledOrg();
    await expect(startCheckout({ ...request(org, owner), plan: "free" })).rejects.toBeInstanceOf(
      PlanNotForSaleError,
    );
    await expect(startCheckout({ ...request(org, owner), plan: "enterprise" })).rejects.toMatchObject({
      status: 400,
      code: "plan_not_available",
    });
    vi.stubEnv("STRIPE_PRICE_BUSINESS", "");
    await expect(startCheckout({ ...request(org, owner), plan: "business" })).rejects.toBeInstanceOf(
      PlanNotForSaleError,
    );

    await testDb().billingAccount.update({
      where: { stripeCustomerId: customer },
      data: { stripeSubscriptionId: stripeId("sub"), stripePriceId: TEST_PRICES.pro, status: "PAST_DUE" },
    });
    await expect(startCheckout({ ...request(org, owner), plan: "pro" })).rejects.toBeInstanceOf(
      AlreadySubscribedError,
    );

    vi.stubEnv("STRIPE_SECRET_KEY", "");
    await expect(startCheckout({ ...request(org, owner), plan: "pro" })).rejects.toMatchObject({
      status: 409,
      code: "billing_disabled",
      message: expect.stringContaining("STRIPE_SECRET_KEY"),
    });
    expect(fake.requests()).toEqual([]);
  });

  it("says Stripe is unavailable (and changes nothing) when its API fails", async () => {
    const { org, owner } = await createOrgWithOwner();
    fake.failNext(3, 500); // the first try and the SDK's two retries
    const failure = await startCheckout({ ...request(org, owner), plan: "pro" }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StripeUnavailableError);
    expect((failure as Error).message).toMatch(/Nothing was charged/);
    expect(await billingAccountOf(org.id)).toBeNull();
    expect(await auditCount(org.id, "billing.customer.created")).toBe(0);
  });
});

describe("customer portal", () => {
  it("opens a portal session for the organization's customer, returning to its billing page", async () => {
    const { org, owner } = await createOrgWithOwner();
    await expect(openCustomerPortal(request(org, owner))).rejects.toBeInstanceOf(NoBillingAccountError);
    await startCheckout({ ...request(org, owner), plan: "pro" });
    const customerId = fake.customers()[0]?.id;

    const click = request(org, owner);
    const portal = await openCustomerPortal(click);
    expect(portal.url).toMatch(new RegExp(`^${fake.url}/portal/bps_`));
    expect(fake.requestsTo("POST /v1/billing_portal/sessions")[0]).toMatchObject({
      idempotencyKey: `shipshape:portal:${org.id}:${click.attemptId}`,
      body: { customer: customerId, return_url: expect.stringMatching(new RegExp(`/${org.slug}/billing$`)) },
    });
  });
});

describe("refunds", () => {
  it("refunds a charge of the organization's customer and records who did it", async () => {
    const { org, customer } = await createBilledOrg();
    const admin = await createTestUser();
    const chargeId = stripeId("ch");
    fake.addCharge({ id: chargeId, customer, amount: 2900 });

    const result = await refundCharge({
      orgSlug: org.slug,
      chargeId,
      amount: 900,
      reason: "requested_by_customer",
      actorUserId: admin.id,
      attemptId: "refund-attempt-1",
    });
    expect(result).toMatchObject({ amount: 900, currency: "usd", status: "succeeded" });
    expect(fake.requestsTo("POST /v1/refunds")[0]).toMatchObject({
      idempotencyKey: `shipshape:refund:${chargeId}:refund-attempt-1`,
      body: {
        charge: chargeId,
        amount: "900",
        reason: "requested_by_customer",
        metadata: { orgId: org.id },
      },
    });
    const [entry] = await testDb().auditEvent.findMany({
      where: { orgId: org.id, action: "billing.refund.created" },
    });
    expect(entry).toMatchObject({
      actorType: "USER",
      actorId: admin.id,
      targetId: chargeId,
      metadata: expect.objectContaining({ refundId: result.refundId, amount: 900 }),
    });

    // Retrying the same request refunds once; asking for more than is left is Stripe's refusal, passed on.
    await refundCharge({
      orgSlug: org.slug,
      chargeId,
      amount: 900,
      actorUserId: admin.id,
      attemptId: "refund-attempt-1",
      reason: "requested_by_customer",
    });
    const tooMuch = refundCharge({
      orgSlug: org.slug,
      chargeId,
      amount: 5000,
      actorUserId: admin.id,
      attemptId: "refund-attempt-2",
    });
    await expect(tooMuch).rejects.toBeInstanceOf(RefundRefusedError);
    await expect(tooMuch).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/greater than unrefunded amount/),
    });
  });

  it("answers a charge of another customer exactly like one that doesn't exist", async () => {
    const { org } = await createBilledOrg();
    const other = await createBilledOrg();
    const admin = await createTestUser();
    const theirs = stripeId("ch");
    fake.addCharge({ id: theirs, customer: other.customer, amount: 2900 });
    for (const chargeId of [theirs, stripeId("ch")]) {
      await expect(
        refundCharge({ orgSlug: org.slug, chargeId, actorUserId: admin.id, attemptId: randomUUID() }),
      ).rejects.toBeInstanceOf(ChargeNotFoundError);
    }
    expect(fake.requestsTo("POST /v1/refunds")).toEqual([]);
  });

  it("is a platform-admin endpoint that needs a recent re-authentication", async () => {
    const { org, customer } = await createBilledOrg();
    const chargeId = stripeId("ch");
    fake.addCharge({ id: chargeId, customer, amount: 2900 });
    const body = { chargeId, amount: 100, idempotencyKey: "route-attempt-1" };
    const call = async (cookie: string) => {
      const response = await refundRoute(
        appRequest(`/api/admin/orgs/${org.slug}/refunds`, { cookie, body, ip: freshIp() }),
        { params: Promise.resolve({ org: org.slug }) },
      );
      return { status: response.status, body: await response.json() };
    };

    const owner = await testDb().membership.findFirstOrThrow({ where: { orgId: org.id } });
    expect((await call(await sessionCookieFor(owner.userId))).status).toBe(404);

    const admin = await createTestUser({ isPlatformAdmin: true, mfaEnabledAt: new Date() });
    const stale = await sessionCookieFor(admin.id, { mfa: "verified", authAt: Date.now() - 11 * 60_000 });
    expect(await call(stale)).toMatchObject({ status: 403, body: { error: { code: "step_up_required" } } });

    const fresh = await sessionCookieFor(admin.id, { mfa: "verified", authAt: Date.now() });
    expect(await call(fresh)).toMatchObject({ status: 200, body: { amount: 100, status: "succeeded" } });
    expect(fake.requestsTo("POST /v1/refunds")).toHaveLength(1);
  });
});

describe("cancellation when an organization is deleted", () => {
  it("cancels a running subscription at once and records it; nothing to do without one", async () => {
    const { org, owner, customer, subscription } = await createBilledOrg();
    expect(await cancelSubscriptionNow({ orgId: org.id, actorUserId: owner.id })).toEqual({
      canceled: false,
    });

    fake.addSubscription({ id: subscription, customer, status: "active" });
    await testDb().billingAccount.update({
      where: { orgId: org.id },
      data: { stripeSubscriptionId: subscription, status: "ACTIVE" },
    });
    expect(await cancelSubscriptionNow({ orgId: org.id, actorUserId: owner.id })).toEqual({ canceled: true });
    expect(fake.requests().filter((r) => r.method === "DELETE")).toMatchObject([
      { path: `/v1/subscriptions/${subscription}` },
    ]);
    expect(await auditCount(org.id, "billing.subscription.canceled")).toBe(1);
  });

  it("deleting an organization cancels its subscription first, and deletes nothing if Stripe fails", async () => {
    const { org, owner, customer, subscription } = await createBilledOrg();
    fake.addSubscription({ id: subscription, customer, status: "active" });
    await testDb().billingAccount.update({
      where: { orgId: org.id },
      data: { stripeSubscriptionId: subscription, status: "ACTIVE" },
    });
    const cookie = await sessionCookieFor(owner.id, { authAt: Date.now() });
    const remove = () =>
      deleteOrgRoute(
        appRequest(`/api/orgs/${org.slug}`, {
          method: "DELETE",
          cookie,
          body: { confirmation: org.slug },
          ip: freshIp(),
        }),
        {
          params: Promise.resolve({ org: org.slug }),
        },
      );

    fake.failNext(3, 500);
    const outage = await remove();
    expect(outage.status).toBe(503);
    expect((await outage.json()).error).toEqual({
      code: "stripe_unavailable",
      message:
        "Stripe could not cancel the subscription just now. Nothing was charged or changed; try again in a minute.",
    });
    expect(await testDb().organization.findUnique({ where: { id: org.id } })).not.toBeNull();

    expect((await remove()).status).toBe(204);
    // Three failed attempts (the SDK retries twice), then the one that worked.
    const cancels = fake.requests().filter((r) => r.method === "DELETE");
    expect(cancels.map((r) => r.path)).toEqual(Array(4).fill(`/v1/subscriptions/${subscription}`));
    expect(await testDb().organization.findUnique({ where: { id: org.id } })).toBeNull();
    expect(await auditCount(org.id, "billing.subscription.canceled")).toBe(1);
    expect(await auditCount(org.id, "org.deleted")).toBe(1);
  });
});

describe("billing off", () => {
  it("refuses checkout, the portal and refunds without calling Stripe", async () => {
    vi.stubEnv("STRIPE_SECRET_KEY", "");
    const { org, owner } = await createBilledOrg();
    await expect(startCheckout({ ...request(org, owner), plan: "pro" })).rejects.toBeInstanceOf(
      BillingDisabledError,
    );
    await expect(openCustomerPortal(request(org, owner))).rejects.toBeInstanceOf(BillingDisabledError);
    await expect(
      refundCharge({ orgSlug: org.slug, chargeId: "ch_1", actorUserId: owner.id, attemptId: "x" }),
    ).rejects.toBeInstanceOf(BillingDisabledError);
    expect(fake.requests()).toEqual([]);
  });
});
