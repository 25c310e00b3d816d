// Organizations with billing for the billing tests: an owner (a verified user), and optionally the
// BillingAccount row that checkout would have created.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, vi } from "vitest";
import { testDb } from "./db";
import { type FakeStripe, startFakeStripe } from "./fake-stripe";
import { billingEnv, stripeId, TEST_PRICES } from "./stripe-events";
import { createTestUser } from "./users";

export async function createOrgWithOwner() {
  const slug = `org-${randomUUID().slice(0, 8)}`;
  const org = await testDb().organization.create({ data: { slug, name: `Org ${slug}` } });
  const owner = await createTestUser();
  await testDb().membership.create({ data: { userId: owner.id, orgId: org.id, role: "OWNER" } });
  return { org, owner };
}

/** An organization whose first checkout already created its Stripe customer. */
export async function createBilledOrg() {
  const { org, owner } = await createOrgWithOwner();
  const customer = stripeId("cus");
  await testDb().billingAccount.create({ data: { orgId: org.id, stripeCustomerId: customer } });
  return { org, owner, customer, subscription: stripeId("sub") };
}

export const billingAccountOf = (orgId: string) => testDb().billingAccount.findUnique({ where: { orgId } });

/** The StripeEvent row the webhook stored for event `id` (null: never stored). */
export const storedStripeEvent = (id: string) => testDb().stripeEvent.findUnique({ where: { id } });

/**
 * Billing on (the test Stripe settings) and `orgId` on a running subscription to `plan`. For tests
 * of endpoints a plan gates (the audit export, one project more) that are not about plans. Anything
 * that calls Stripe (deleting the organization cancels its subscription) needs `stripeApiBaseUrl`,
 * a fake Stripe's. The env stays stubbed until vi.unstubAllEnvs().
 */
export async function putOnPaidPlan(
  orgId: string,
  plan: "pro" | "business" = "business",
  stripeApiBaseUrl?: string,
) {
  for (const [name, value] of Object.entries(billingEnv(stripeApiBaseUrl))) vi.stubEnv(name, value);
  const subscription = {
    stripeSubscriptionId: stripeId("sub"),
    stripePriceId: TEST_PRICES[plan],
    status: "ACTIVE" as const,
  };
  await testDb().billingAccount.upsert({
    where: { orgId },
    create: { orgId, stripeCustomerId: stripeId("cus"), ...subscription },
    update: subscription,
  });
}

/**
 * Billing on (the test Stripe settings, no Stripe API) for each test of the file, unstubbed after
 * it. Call it at the top level.
 */
export function billingOnForEachTest(): void {
  beforeEach(() => {
    for (const [name, value] of Object.entries(billingEnv())) vi.stubEnv(name, value);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
}

/**
 * For a test file whose code calls Stripe: a local fake Stripe for the whole file, its records
 * forgotten before each test, and billing on against it for each test. Call it at the top level;
 * the handle reaches the server started in beforeAll.
 */
export function fakeStripeForThisFile(): FakeStripe {
  let fake: FakeStripe | undefined;
  beforeAll(async () => {
    fake = await startFakeStripe();
  });
  afterAll(() => fake?.close());
  beforeEach(() => {
    fake?.reset();
    for (const [name, value] of Object.entries(billingEnv(fake?.url))) vi.stubEnv(name, value);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  return new Proxy({} as FakeStripe, {
    get(_, property) {
      if (!fake)
        throw new Error("fakeStripeForThisFile: the fake Stripe starts in beforeAll; use it inside a test");
      return Reflect.get(fake, property);
    },
  });
}

/**
 * The emails queued to `email` (lib/jobs `mail-send` jobs, in any state), oldest first. None while
 * pg-boss has not created its tables in this database yet (no job was ever queued).
 */
export async function queuedMailsTo(
  email: string,
): Promise<{ subject: string; text: string; state: string }[]> {
  const [{ exists } = { exists: false }] = await testDb().$queryRaw<{ exists: boolean }[]>`
    SELECT to_regclass('pgboss.job') IS NOT NULL AS exists`;
  if (!exists) return [];
  return testDb().$queryRaw`
    SELECT data->>'subject' AS subject, data->>'text' AS text, state::text AS state FROM pgboss.job
    WHERE name = 'mail-send' AND data->>'to' = ${email} ORDER BY created_on`;
}
