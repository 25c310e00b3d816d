// One Checkout at a time per organization. Between paying on Stripe's page and the webhooks that
// say so, and while a first payment is still incomplete, the organization looks unsubscribed; a second
// Checkout started then would make a second subscription for one customer. The server refuses it
// (409 checkout_pending), and an abandoned Checkout that is still open is expired before a new one.
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { startCheckoutAction } from "@/app/(app)/[org]/billing/actions";
import { checkoutAwaitingConfirmation, receiveStripeEvent, startCheckout } from "@/lib/billing";
import { submitAction } from "../support/actions";
import { createOrgWithOwner, fakeStripeForThisFile } from "../support/billing";
import { testDb } from "../support/db";
import { closedPort } from "../support/services";
import { sessionCookieFor } from "../support/sessions";
import { activeSubscriptionCreated, signatureFor, stripeId } from "../support/stripe-events";

const fake = fakeStripeForThisFile();

const checkout = (org: { id: string }, owner: { id: string }, attemptId = randomUUID()) =>
  startCheckout({ orgId: org.id, userId: owner.id, attemptId, plan: "pro" });

describe("a second checkout while the first is being confirmed", () => {
  it("is refused once the customer has paid on Checkout, before Stripe's webhooks arrive", async () => {
    const { org, owner } = await createOrgWithOwner();
    const first = await checkout(org, owner);
    fake.completeCheckout(first.sessionId, stripeId("sub"));

    await expect(checkout(org, owner)).rejects.toMatchObject({
      status: 409,
      code: "checkout_pending",
      message: expect.stringMatching(/being confirmed/),
    });
    expect(fake.requestsTo("POST /v1/checkout/sessions")).toHaveLength(1);
  });

  it("is refused while the linked subscription's status is unknown or incomplete; allowed once it expired", async () => {
    const { org, owner } = await createOrgWithOwner();
    // The first checkout was paid and checkout.session.completed linked its subscription.
    const subscription = stripeId("sub");
    fake.completeCheckout((await checkout(org, owner)).sessionId, subscription);
    const refusals: Record<string, string> = {};
    for (const status of [null, "INCOMPLETE", "ACTIVE", "INCOMPLETE_EXPIRED"] as const) {
      await testDb().billingAccount.update({
        where: { orgId: org.id },
        data: { stripeSubscriptionId: subscription, status },
      });
      refusals[String(status)] = await checkout(org, owner).then(
        () => "started",
        (error: { code: string }) => error.code,
      );
    }
    expect(refusals).toEqual({
      null: "checkout_pending",
      INCOMPLETE: "checkout_pending",
      ACTIVE: "already_subscribed",
      INCOMPLETE_EXPIRED: "started",
    });
  });

  it("the billing page's action answers the same 409 with the message", async () => {
    const { org, owner } = await createOrgWithOwner();
    const first = await checkout(org, owner);
    fake.completeCheckout(first.sessionId, stripeId("sub"));
    const cookie = await sessionCookieFor(owner.id, { authAt: Date.now() });
    const state = await submitAction(
      startCheckoutAction,
      { org: org.slug, plan: "business", attempt: randomUUID() },
      { cookie },
    );
    expect(state).toMatchObject({
      status: "error",
      code: "checkout_pending",
      message: expect.stringMatching(/being confirmed/),
    });
    expect(fake.requestsTo("POST /v1/checkout/sessions")).toHaveLength(1);
  });
});

describe("an earlier checkout that was left open", () => {
  it("is expired at Stripe before a new one starts, so only one can ever be paid", async () => {
    const { org, owner } = await createOrgWithOwner();
    const abandoned = await checkout(org, owner);
    const next = await checkout(org, owner);
    expect(next.sessionId).not.toBe(abandoned.sessionId);
    expect(fake.checkoutSession(abandoned.sessionId)?.status).toBe("expired");
    expect(fake.checkoutSession(next.sessionId)?.status).toBe("open");
  });

  it("is reused, not expired, by a double submit of the same click", async () => {
    const { org, owner } = await createOrgWithOwner();
    const attemptId = randomUUID();
    const first = await checkout(org, owner, attemptId);
    const again = await checkout(org, owner, attemptId);
    expect(again).toEqual(first);
    expect(fake.checkoutSession(first.sessionId)?.status).toBe("open");
  });
});

describe("the billing page's 'payment being confirmed' state (checkoutAwaitingConfirmation)", () => {
  it("holds from the payment on Checkout until the webhook links a live subscription, whatever URL the page has", async () => {
    const { org, owner } = await createOrgWithOwner();
    expect(await checkoutAwaitingConfirmation(org.id)).toBe(false);
    const first = await checkout(org, owner);
    expect(await checkoutAwaitingConfirmation(org.id)).toBe(false); // open: not paid yet
    const subscription = stripeId("sub");
    fake.completeCheckout(first.sessionId, subscription);
    expect(await checkoutAwaitingConfirmation(org.id)).toBe(true);

    const customer = (await testDb().billingAccount.findUniqueOrThrow({ where: { orgId: org.id } }))
      .stripeCustomerId;
    const payload = JSON.stringify(activeSubscriptionCreated({ subscription, customer }));
    expect(await receiveStripeEvent(payload, signatureFor(payload))).toMatchObject({ status: "processed" });
    expect(await checkoutAwaitingConfirmation(org.id)).toBe(false);
  });

  it("is false, not an error, when Stripe can't be reached (the server still refuses a second Checkout)", async () => {
    const { org, owner } = await createOrgWithOwner();
    fake.completeCheckout((await checkout(org, owner)).sessionId, stripeId("sub"));
    vi.stubEnv("STRIPE_API_BASE_URL", `http://127.0.0.1:${await closedPort()}`);
    expect(await checkoutAwaitingConfirmation(org.id)).toBe(false);
  });
});
