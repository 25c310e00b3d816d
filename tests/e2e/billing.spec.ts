import type { APIRequestContext } from "@playwright/test";
import type { RecordedRequest } from "../support/fake-stripe";
import {
  checkoutSessionObject,
  invoiceObject,
  signatureFor,
  stripeEvent,
  stripeId,
  subscriptionObject,
  TEST_PRICES,
  type TestEvent,
} from "../support/stripe-events";
import { expect, signIn, test, visit } from "./fixtures";
import { fakeStripeUrl } from "./ports";

// One story, in order: the owner upgrades through (fake) Stripe Checkout, Stripe's webhooks make the
// plan paid, a failed renewal shows the banner, and the cancellation drops the organization to free.
// Each test is a multi-step story through a production server; give it more than the 30 s default.
test.describe.configure({ mode: "serial", timeout: 90_000 });

/** Posts an event to the app's webhook the way Stripe does: the raw JSON, signed by the real SDK. */
async function deliver(request: APIRequestContext, event: TestEvent) {
  const payload = JSON.stringify(event);
  const response = await request.post("/api/webhooks/stripe", {
    headers: { "content-type": "application/json", "stripe-signature": signatureFor(payload) },
    data: payload,
  });
  expect(response.status()).toBe(200);
  return response.json();
}

const stripeRequests = async (request: APIRequestContext): Promise<RecordedRequest[]> =>
  (await request.get(`${fakeStripeUrl}/__fake/requests`)).json();

const customer = { id: "", orgId: "", checkoutSessionId: "" };
const subscription = stripeId("sub");
let clock = Math.floor(Date.now() / 1000);
const next = () => ++clock;

test.beforeAll(async ({ request }) => {
  await request.delete(`${fakeStripeUrl}/__fake/requests`);
});

test("the owner clicks Upgrade and lands on Stripe Checkout for the organization", async ({
  page,
  problems,
  request,
}) => {
  await signIn(page, "owner@example.com");
  await visit(page, "/acme/billing");
  await expect(page.getByRole("region", { name: "Current plan" })).toContainText("Free");

  await page.getByRole("button", { name: "Upgrade to Pro" }).click();
  await expect(page).toHaveURL(new RegExp(`^${fakeStripeUrl}/checkout/cs_test_`));
  await expect(page.getByRole("heading", { name: "Fake Stripe Checkout" })).toBeVisible();
  expect(problems.cspViolations).toEqual([]);

  const sent = await stripeRequests(request);
  const created = sent.find((r) => r.method === "POST" && r.path === "/v1/customers");
  const session = sent.find((r) => r.method === "POST" && r.path === "/v1/checkout/sessions");
  const orgId = (created?.body.metadata as { orgId?: string } | undefined)?.orgId ?? "";
  expect(created?.idempotencyKey).toMatch(new RegExp(`^shipshape:customer:${orgId}:`));
  expect(session).toMatchObject({
    idempotencyKey: expect.stringMatching(new RegExp(`^shipshape:checkout:${orgId}:`)),
    body: { metadata: { orgId, plan: "pro" }, line_items: [{ price: TEST_PRICES.pro }] },
  });
  customer.id = session?.body.customer as string;
  customer.orgId = orgId;
  customer.checkoutSessionId = new URL(page.url()).pathname.split("/").pop() ?? "";
});

test("back from a paid Checkout before Stripe confirms it, the page shows that and no second Upgrade", async ({
  page,
  request,
}) => {
  // The customer paid on Checkout; Stripe's webhooks haven't reached the app yet.
  await request.post(`${fakeStripeUrl}/__fake/checkout/${customer.checkoutSessionId}/complete`, {
    data: { subscription },
  });
  await signIn(page, "owner@example.com");
  await visit(page, "/acme/billing?checkout=success");
  await expect(page.getByRole("status").filter({ hasText: "Payment being confirmed" })).toBeVisible();
  await expect(page.getByRole("button", { name: /Upgrade to/ })).toHaveCount(0);

  // Any later visit (here "Check again", without the success flag) says the same: the page asks Stripe
  // about the last Checkout. (The server refuses a second one too: billing-checkout-pending.test.ts.)
  await page.getByRole("link", { name: "Check again" }).click();
  await expect(page).toHaveURL(/\/acme\/billing$/);
  await expect(page.getByRole("status").filter({ hasText: "Payment being confirmed" })).toBeVisible();
  await expect(page.getByRole("button", { name: /Upgrade to/ })).toHaveCount(0);
  const sessions = (await stripeRequests(request)).filter(
    (r) => r.method === "POST" && r.path === "/v1/checkout/sessions",
  );
  expect(sessions).toHaveLength(1);

  // checkout.session.completed links the subscription; its status is still unknown: still pending.
  await deliver(
    request,
    stripeEvent(
      "checkout.session.completed",
      checkoutSessionObject({ customer: customer.id, subscription, orgId: customer.orgId }),
      { created: next() },
    ),
  );
  await visit(page, "/acme/billing");
  await expect(page.getByRole("status").filter({ hasText: "Payment being confirmed" })).toBeVisible();
  await expect(page.getByRole("button", { name: /Upgrade to/ })).toHaveCount(0);
});

test("the signed webhook sequence puts the organization on the paid plan", async ({ page, request }) => {
  const ids = { customer: customer.id, subscription };
  await deliver(
    request,
    stripeEvent("checkout.session.completed", checkoutSessionObject({ ...ids, orgId: customer.orgId }), {
      created: next(),
    }),
  );
  await deliver(
    request,
    stripeEvent(
      "customer.subscription.created",
      subscriptionObject({
        id: subscription,
        customer: customer.id,
        status: "active",
        orgId: customer.orgId,
      }),
      { created: next() },
    ),
  );
  expect(
    await deliver(
      request,
      stripeEvent("invoice.paid", invoiceObject({ ...ids, paid: true }), { created: next() }),
    ),
  ).toMatchObject({ status: "processed" });

  await signIn(page, "owner@example.com");
  await visit(page, "/acme");
  await expect(page.getByText("Pro plan", { exact: true })).toBeVisible();
  await visit(page, "/acme/billing");
  const current = page.getByRole("region", { name: "Current plan" });
  await expect(current).toContainText("Pro");
  await expect(current).toContainText("Active. Renews on");
  await expect(page.getByRole("button", { name: /Upgrade to/ })).toHaveCount(0);

  await page.getByRole("button", { name: "Manage billing" }).click();
  await expect(page).toHaveURL(new RegExp(`^${fakeStripeUrl}/portal/bps_`));
});

test("a failed payment shows the banner to every member; the cancellation drops the org to free", async ({
  page,
  browser,
  request,
}) => {
  const ids = { customer: customer.id, subscription };
  await deliver(
    request,
    stripeEvent("invoice.payment_failed", invoiceObject({ ...ids, paid: false }), { created: next() }),
  );

  await signIn(page, "member@example.com");
  await visit(page, "/acme");
  const banner = page.getByRole("region", { name: "Payment problem" });
  await expect(banner).toContainText("Payment failed.");
  await expect(banner).toContainText("Acme keeps its plan until");
  await expect(banner).toContainText("Ask an owner or admin");
  await expect(page.getByText("Pro plan", { exact: true })).toBeVisible();

  await deliver(
    request,
    stripeEvent(
      "customer.subscription.deleted",
      subscriptionObject({ id: subscription, customer: customer.id, status: "canceled" }),
      { created: next() },
    ),
  );
  await visit(page, "/acme");
  await expect(page.getByText("Free plan", { exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "Payment problem" })).toHaveCount(0);

  const ownerPage = await (await browser.newContext()).newPage();
  await signIn(ownerPage, "owner@example.com");
  await visit(ownerPage, "/acme/billing");
  await expect(ownerPage.getByRole("region", { name: "Current plan" })).toContainText(
    "The subscription was canceled: the free plan. Nothing was deleted.",
  );
  await expect(ownerPage.getByRole("button", { name: "Upgrade to Pro" })).toBeVisible();

  // Back on free, the pages say what the plan allows instead of offering what the server refuses.
  await visit(ownerPage, "/acme/audit");
  await expect(ownerPage.getByRole("note")).toContainText(
    "Available on the Pro and Business plans: export the audit log.",
  );
  await expect(ownerPage.getByRole("link", { name: "Export CSV" })).toHaveCount(0);
  expect((await ownerPage.request.get("/api/orgs/acme/audit/export")).status()).toBe(402);
  await visit(ownerPage, "/acme/projects");
  await expect(ownerPage.getByText(/\d of 5 projects on the Free plan\./)).toBeVisible();
  await ownerPage.context().close();
});
