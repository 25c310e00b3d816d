// `npm run billing:resync`: an organization's billing state set from Stripe's API (the local fake),
// audited, and ordered against the webhook's events: the ones created before the fetch can't undo it.
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import { getOrgBilling, resyncFromStripe } from "@/lib/billing";
import { stopJobProducer } from "@/lib/jobs";
import { billingAccountOf, createBilledOrg, fakeStripeForThisFile } from "../support/billing";
import { testDb } from "../support/db";
import { billingEnv, signedDelivery, stripeEvent, stripeId, TEST_PRICES } from "../support/stripe-events";
import { fixtureSubscription } from "../support/stripe-fixtures";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const stripe = fakeStripeForThisFile();
afterAll(stopJobProducer);

const nowSeconds = () => Math.floor(Date.now() / 1000);
const PERIOD_END = nowSeconds() + 30 * 86_400;

/** An organization whose stored state is wrong (what the old ordering bug left) and Stripe's truth. */
async function stuckOrganization() {
  const { org, owner, customer, subscription } = await createBilledOrg();
  await testDb().billingAccount.update({
    where: { orgId: org.id },
    data: { stripeSubscriptionId: subscription, status: null, stripePriceId: null },
  });
  const ended = stripeId("sub");
  stripe.addSubscription({
    ...fixtureSubscription({
      id: ended,
      customer,
      status: "canceled",
      price: TEST_PRICES.pro,
      periodEnd: PERIOD_END - 60 * 86_400,
      canceledAt: nowSeconds() - 40 * 86_400,
    }),
    id: ended,
    created: nowSeconds() - 90 * 86_400,
  });
  stripe.addSubscription({
    ...fixtureSubscription({
      id: subscription,
      customer,
      status: "active",
      price: TEST_PRICES.business,
      periodEnd: PERIOD_END,
    }),
    id: subscription,
    created: nowSeconds() - 86_400,
  });
  // Another customer's subscription, which must not be taken.
  const strangers = stripeId("sub");
  stripe.addSubscription({
    ...fixtureSubscription({
      id: strangers,
      customer: stripeId("cus"),
      status: "active",
      price: TEST_PRICES.pro,
      periodEnd: PERIOD_END,
    }),
    id: strangers,
    created: nowSeconds(),
  });
  return { org, owner, customer, subscription };
}

/** Runs the CLI (asynchronously: the fake Stripe it calls lives in this process). */
function resyncCommand(args: string[], env: Record<string, string>) {
  const child = spawn(
    path.join(REPO_ROOT, "node_modules", ".bin", "tsx"),
    ["--conditions=react-server", "scripts/billing-resync.ts", ...args],
    { cwd: REPO_ROOT, env: { ...process.env, NODE_ENV: "test", LOG_FORMAT: "json", ...env } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once("close", (status) => resolve({ status, stdout, stderr })),
  );
}

describe("billing re-sync from Stripe's API", () => {
  it("sets the current subscription's state, audited, and older webhook events can't undo it", async () => {
    const { org, customer, subscription } = await stuckOrganization();
    expect((await getOrgBilling(org.id)).plan).toBe("free");

    const result = await resyncFromStripe(org.slug);
    expect(result).toEqual({
      orgId: org.id,
      subscriptionId: subscription,
      status: { from: null, to: "ACTIVE" },
      plan: { from: null, to: "business" },
      changed: true,
    });
    expect(stripe.requestsTo("GET /v1/subscriptions")).toHaveLength(1);
    expect(await billingAccountOf(org.id)).toMatchObject({
      stripeSubscriptionId: subscription,
      stripePriceId: TEST_PRICES.business,
      status: "ACTIVE",
      currentPeriodEndsAt: new Date(PERIOD_END * 1000),
    });
    expect(await getOrgBilling(org.id)).toMatchObject({ plan: "business", canSubscribe: false });
    const [entry] = await testDb().auditEvent.findMany({
      where: { orgId: org.id, action: "billing.subscription.resynced" },
    });
    expect(entry).toMatchObject({
      actorType: "SYSTEM",
      targetType: "stripe_customer",
      targetId: customer,
      metadata: expect.objectContaining({ subscriptionId: subscription, changed: true }),
    });

    // A delivery Stripe is still retrying, created before the fetch: the re-synced state stands.
    const stale = stripeEvent(
      "customer.subscription.updated",
      fixtureSubscription({
        id: subscription,
        customer,
        status: "past_due",
        price: TEST_PRICES.pro,
        periodEnd: PERIOD_END,
      }),
      { created: nowSeconds() - 3_600 },
    );
    expect(await (await POST(signedDelivery(stale))).json()).toMatchObject({ status: "ignored" });
    expect(await billingAccountOf(org.id)).toMatchObject({
      status: "ACTIVE",
      stripePriceId: TEST_PRICES.business,
    });

    // Run again: nothing to change, still audited (who looked, and what Stripe said).
    expect(await resyncFromStripe(org.id)).toMatchObject({ changed: false, status: { to: "ACTIVE" } });
  });

  it("changes nothing when Stripe's API is down, and refuses an unknown organization or one that never checked out", async () => {
    const { org } = await stuckOrganization();
    stripe.failNext(10, 500);
    await expect(resyncFromStripe(org.slug)).rejects.toMatchObject({
      status: 503,
      code: "stripe_unavailable",
    });
    expect(await billingAccountOf(org.id)).toMatchObject({ status: null });
    expect(
      await testDb().auditEvent.count({ where: { orgId: org.id, action: "billing.subscription.resynced" } }),
    ).toBe(0);
    stripe.failNext(0);

    await expect(resyncFromStripe("no-such-org")).rejects.toMatchObject({ status: 404, code: "not_found" });
    const fresh = await testDb().organization.create({
      data: { slug: `org-${stripeId("x").slice(2, 10)}`, name: "New" },
    });
    await expect(resyncFromStripe(fresh.slug)).rejects.toMatchObject({ code: "no_billing_account" });
  });

  it("npm run billing:resync -- <slug> does it from the command line", async () => {
    const { org } = await stuckOrganization();
    const run = await resyncCommand([org.slug], billingEnv(stripe.url));
    expect({ status: run.status, stdout: run.stdout }).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("now ACTIVE on business"),
    });
    expect((await getOrgBilling(org.id)).plan).toBe("business");

    const usage = await resyncCommand([], {});
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("Usage: npm run billing:resync -- <organization slug or id>");
  }, 90_000);
});
