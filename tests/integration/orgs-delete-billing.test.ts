// Deleting an organization through its API cancels its Stripe subscription first (lib/billing,
// against the local fake Stripe), and deletes nothing when Stripe can't be reached.
import { describe, expect, it } from "vitest";
import { DELETE as deleteOrganizationRoute } from "@/app/api/orgs/[org]/route";
import { createBilledOrg, fakeStripeForThisFile } from "../support/billing";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { freshIp } from "../support/users";

const fake = fakeStripeForThisFile();

/** A subscribed organization, as its owner would delete it (a fresh session: step-up passed). */
async function subscribedOrg() {
  const { org, owner, customer, subscription } = await createBilledOrg();
  fake.addSubscription({ id: subscription, customer, status: "active" });
  await testDb().billingAccount.update({
    where: { orgId: org.id },
    data: { stripeSubscriptionId: subscription, status: "ACTIVE" },
  });
  const remove = async () =>
    deleteOrganizationRoute(
      appRequest(`/api/orgs/${org.slug}`, {
        method: "DELETE",
        cookie: await sessionCookieFor(owner.id),
        body: { confirmation: org.slug },
        ip: freshIp(),
      }),
      { params: Promise.resolve({ org: org.slug }) },
    );
  return { org, subscription, remove };
}

describe("deleting a subscribed organization", () => {
  it("cancels the subscription at Stripe, then deletes the organization", async () => {
    const { org, subscription, remove } = await subscribedOrg();
    expect((await remove()).status).toBe(204);
    expect(fake.requestsTo(`DELETE /v1/subscriptions/${subscription}`)).toHaveLength(1);
    expect(await testDb().organization.count({ where: { id: org.id } })).toBe(0);
    const actions = await testDb().auditEvent.findMany({ where: { orgId: org.id }, orderBy: { seq: "asc" } });
    expect(actions.map((event) => event.action)).toEqual(["billing.subscription.canceled", "org.deleted"]);
  });

  it("deletes nothing when Stripe is down, and says so", async () => {
    const { org, remove } = await subscribedOrg();
    fake.failNext(10, 500);
    const response = await remove();
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(await testDb().organization.count({ where: { id: org.id } })).toBe(1);
    expect(await testDb().billingAccount.count({ where: { orgId: org.id } })).toBe(1);
  });
});
