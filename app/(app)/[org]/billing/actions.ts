"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { openCustomerPortal, PAID_PLAN_IDS, startCheckout } from "@/lib/billing";
import { action } from "@/lib/http";

// `attempt` names one rendering of the button: a double submit reuses it, and Stripe's idempotency
// key built from it makes that one checkout session (or portal session), not two.
//
// Both need a re-authentication within 10 minutes (step-up): whoever completes a checkout or uses
// the portal sets the card that pays, the plan and the cancellation, so each is a change of the
// billing owner (decision 0024).

/** Owners and admins: off to Stripe-hosted Checkout for a paid plan. */
export const startCheckoutAction = action(
  {
    auth: "member",
    permission: "billing.manage",
    rateLimit: "api-user",
    stepUp: true,
    input: z.object({ org: z.string(), plan: z.enum(PAID_PLAN_IDS), attempt: z.uuid() }),
  },
  async ({ scope, user, input, ip, userAgent }) => {
    const { url } = await startCheckout({
      orgId: scope.orgId,
      userId: user.id,
      plan: input.plan,
      attemptId: input.attempt,
      ip,
      userAgent,
    });
    redirect(url);
  },
);

/** Owners and admins: off to Stripe's customer portal (plan, cancellation, card, invoices). */
export const openPortalAction = action(
  {
    auth: "member",
    permission: "billing.manage",
    rateLimit: "api-user",
    stepUp: true,
    input: z.object({ org: z.string(), attempt: z.uuid() }),
  },
  async ({ scope, user, input, ip, userAgent }) => {
    const { url } = await openCustomerPortal({
      orgId: scope.orgId,
      userId: user.id,
      attemptId: input.attempt,
      ip,
      userAgent,
    });
    redirect(url);
  },
);
