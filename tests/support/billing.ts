// Organizations with billing for the billing tests: an owner (a verified user), and optionally the
// BillingAccount row that checkout would have created.
import { randomUUID } from "node:crypto";
import { testDb } from "./db";
import { stripeId } from "./stripe-events";
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
