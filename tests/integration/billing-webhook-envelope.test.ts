// What a correctly signed delivery must still be before it is applied: a well-formed event (the
// envelope Stripe sends: id, type, created, livemode, data.object), and one from the mode of this
// server's key (a test-mode server never applies a live event, nor a live server a test one).
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import { readBillingConfig, receiveStripeEvent } from "@/lib/billing";
import {
  billingAccountOf,
  billingOnForEachTest,
  createBilledOrg,
  storedStripeEvent,
} from "../support/billing";
import { testDb } from "../support/db";
import {
  activeSubscriptionCreated,
  signatureFor,
  signedDelivery,
  signedPayloadDelivery,
  stripeEvent,
  stripeId,
  type TestEvent,
} from "../support/stripe-events";

billingOnForEachTest();

describe("stripe webhook: a malformed event", () => {
  const wellFormed = () =>
    stripeEvent("customer.subscription.updated", { id: stripeId("sub"), object: "subscription" });
  const without = (event: TestEvent, ...path: string[]) => {
    const copy = structuredClone(event) as Record<string, unknown>;
    const last = path.pop() as string;
    let node = copy;
    for (const key of path) node = node[key] as Record<string, unknown>;
    delete node[last];
    return copy;
  };

  // Each entry: what is wrong, the exact payload, and the event id it claims (to prove nothing stored).
  const malformed: [string, () => { payload: string; id?: string }][] = [
    ["an empty object", () => ({ payload: "{}" })],
    ["not JSON", () => ({ payload: "this is not json" })],
    ["an array", () => ({ payload: "[]" })],
    ["an array of events", () => ({ payload: JSON.stringify([wellFormed()]) })],
    ["null", () => ({ payload: "null" })],
    ["a string", () => ({ payload: '"evt_1"' })],
    ...(["id", "type", "created", "data"] as const).map(
      (field) =>
        [
          `an event without ${field}`,
          () => {
            const event = wellFormed();
            return { payload: JSON.stringify(without(event, field)), id: event.id };
          },
        ] as [string, () => { payload: string; id?: string }],
    ),
    [
      "an event without data.object",
      () => {
        const event = wellFormed();
        return { payload: JSON.stringify(without(event, "data", "object")), id: event.id };
      },
    ],
    [
      "an event whose data.object is an array",
      () => {
        const event = { ...wellFormed(), data: { object: [] } };
        return { payload: JSON.stringify(event), id: event.id };
      },
    ],
    [
      "an event whose type is a number",
      () => {
        const event = { ...wellFormed(), type: 42 };
        return { payload: JSON.stringify(event), id: event.id };
      },
    ],
  ];

  it.each(malformed)("%s is a 400 invalid_event, and nothing is stored", async (_, build) => {
    const { payload, id } = build();
    const response = await POST(signedPayloadDelivery(payload));
    const body = await response.json();
    expect({ status: response.status, code: body.error?.code }).toEqual({
      status: 400,
      code: "invalid_event",
    });
    expect(body.error.message).toMatch(/not a Stripe event/);
    if (id) expect(await storedStripeEvent(id)).toBeNull();
  });
});

describe("stripe webhook: an event from the other mode (live vs test)", () => {
  const activeSubscription = async (livemode: boolean) => {
    const { org, customer, subscription } = await createBilledOrg();
    const event = {
      ...activeSubscriptionCreated({ customer, subscription }),
      livemode,
    };
    return { org, event };
  };

  it("a live event reaching a server with test keys is stored with the reason, applies nothing, and answers 200", async () => {
    const { org, event } = await activeSubscription(true);
    const response = await POST(signedDelivery(event));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: "ignored",
      eventId: event.id,
      reason: expect.stringMatching(/live mode.*test key/),
    });
    expect(await storedStripeEvent(event.id)).toMatchObject({
      outcome: "IGNORED",
      reason: expect.stringMatching(/live mode.*test key/),
    });
    expect(await billingAccountOf(org.id)).toMatchObject({ status: null, stripeSubscriptionId: null });
    expect(
      await testDb().auditEvent.count({
        where: { orgId: org.id, action: { startsWith: "billing.subscription" } },
      }),
    ).toBe(0);
  });

  it("a test event reaching a server with live keys is stored with the reason and applies nothing", async () => {
    const { org, event } = await activeSubscription(false);
    // Live keys are refused outside production by the env check; the module takes its config as given.
    const live = { ...readBillingConfig(), secretKey: "sk_live_shipshape" };
    const result = await receiveStripeEvent(JSON.stringify(event), signatureFor(JSON.stringify(event)), {
      config: live,
    });
    expect(result).toMatchObject({ status: "ignored", reason: expect.stringMatching(/test mode.*live key/) });
    expect(await storedStripeEvent(event.id)).toMatchObject({
      outcome: "IGNORED",
      reason: expect.stringMatching(/test mode.*live key/),
    });
    expect(await billingAccountOf(org.id)).toMatchObject({ status: null, stripeSubscriptionId: null });
  });

  it("an event of the key's own mode is applied (the check refuses only the other mode)", async () => {
    const { org, event } = await activeSubscription(false);
    const response = await POST(signedDelivery(event));
    expect(await response.json()).toMatchObject({ status: "processed" });
    expect(await billingAccountOf(org.id)).toMatchObject({ status: "ACTIVE" });
  });
});
