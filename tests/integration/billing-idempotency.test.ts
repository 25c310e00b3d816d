// Idempotency keys end to end, against the local fake of Stripe's API (which answers a reused key the
// way Stripe does: the first response again for the same request, a 400 idempotency_error for a
// different one). A refund request sent again, or twenty times at once, makes one refund and one audit
// entry; a key reused for a different request is a 409 the caller can act on, never a 500.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { POST as refundRoute } from "@/app/api/admin/orgs/[org]/refunds/route";
import { refundCharge, startCheckout } from "@/lib/billing";
import { createBilledOrg, createOrgWithOwner, fakeStripeForThisFile } from "../support/billing";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { stripeId } from "../support/stripe-events";
import { createTestUser, freshIp } from "../support/users";

const fake = fakeStripeForThisFile();

const refundAudits = (orgId: string) =>
  testDb().auditEvent.findMany({ where: { orgId, action: "billing.refund.created" } });

async function orgWithCharge(amount = 2900) {
  const { org, customer } = await createBilledOrg();
  const chargeId = stripeId("ch");
  fake.addCharge({ id: chargeId, customer, amount });
  return { org, chargeId };
}

/** Refunds made at the fake, whichever request made them (a replayed answer repeats the same id). */
const distinctRefundIds = (results: { refundId: string }[]) => new Set(results.map((r) => r.refundId));

describe("refund idempotency", () => {
  it("a retried request (same idempotency key) refunds once and is audited once", async () => {
    const { org, chargeId } = await orgWithCharge();
    const admin = await createTestUser();
    const request = {
      orgSlug: org.slug,
      chargeId,
      amount: 900,
      actorUserId: admin.id,
      attemptId: randomUUID(),
    };

    const first = await refundCharge(request);
    const retry = await refundCharge(request);

    expect(retry).toEqual(first);
    expect(await refundAudits(org.id)).toHaveLength(1);
  });

  it("20 concurrent requests with one key make one refund at Stripe and one audit entry", async () => {
    const { org, chargeId } = await orgWithCharge();
    const admin = await createTestUser();
    const request = {
      orgSlug: org.slug,
      chargeId,
      amount: 500,
      actorUserId: admin.id,
      attemptId: randomUUID(),
    };

    const results = await Promise.all(Array.from({ length: 20 }, () => refundCharge(request)));

    expect(distinctRefundIds(results).size).toBe(1);
    const [audit, ...more] = await refundAudits(org.id);
    expect(more).toEqual([]);
    expect(audit?.metadata).toMatchObject({ refundId: results[0]?.refundId, amount: 500 });
  });

  it("the same key with another amount is a 409 naming the problem, not a 500", async () => {
    const { org, chargeId } = await orgWithCharge();
    const admin = await createTestUser({ isPlatformAdmin: true, mfaEnabledAt: new Date() });
    const cookie = await sessionCookieFor(admin.id, { mfa: "verified", authAt: Date.now() });
    const call = async (body: Record<string, unknown>) => {
      const response = await refundRoute(
        appRequest(`/api/admin/orgs/${org.slug}/refunds`, { cookie, body, ip: freshIp() }),
        { params: Promise.resolve({ org: org.slug }) },
      );
      return { status: response.status, body: await response.json() };
    };
    const idempotencyKey = `ticket-${randomUUID()}`;

    const first = await call({ chargeId, amount: 100, idempotencyKey });
    expect(first.status).toBe(200);
    const changed = await call({ chargeId, amount: 200, idempotencyKey });
    expect(changed).toMatchObject({
      status: 409,
      body: {
        error: { code: "idempotency_key_reused", message: expect.stringMatching(/new idempotencyKey/) },
      },
    });
    expect(await refundAudits(org.id)).toHaveLength(1);
  });

  it("Stripe's idempotency_error itself (a key it saw with other parameters) is a 409 too", async () => {
    const { org, chargeId } = await orgWithCharge();
    const admin = await createTestUser();
    const attemptId = randomUUID();
    // The first request reached Stripe but was never recorded here (the process died after the call).
    await fetch(`${fake.url}/v1/refunds`, {
      method: "POST",
      headers: {
        authorization: "Bearer sk_test_shipshape",
        "idempotency-key": `shipshape:refund:${chargeId}:${attemptId}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: `charge=${chargeId}&amount=100`,
    });

    await expect(
      refundCharge({ orgSlug: org.slug, chargeId, amount: 200, actorUserId: admin.id, attemptId }),
    ).rejects.toMatchObject({ status: 409, code: "idempotency_key_reused" });
    expect(await refundAudits(org.id)).toEqual([]);
  });
});

describe("checkout idempotency", () => {
  it("one page's attempt id reused for another plan is a 409 asking to reload, not a 500", async () => {
    const { org, owner } = await createOrgWithOwner();
    const attemptId = randomUUID();
    await startCheckout({ orgId: org.id, userId: owner.id, attemptId, plan: "pro" });
    await expect(
      startCheckout({ orgId: org.id, userId: owner.id, attemptId, plan: "business" }),
    ).rejects.toMatchObject({ status: 409, code: "idempotency_key_reused" });
  });
});
