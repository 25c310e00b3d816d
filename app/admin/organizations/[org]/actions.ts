"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { REFUND_REASONS, refundCharge } from "@/lib/billing";
import { action } from "@/lib/http";

// A platform operator refunds a payment of an organization (decision 0018): re-authentication within
// 10 minutes first (this moves money), then lib/billing checks the charge is the organization's,
// calls Stripe with an idempotency key from this form, and records billing.refund.created.
export const refundChargeAction = action(
  {
    auth: "platformAdmin",
    rateLimit: "api-user",
    stepUp: true,
    input: z.object({
      org: z.string().min(1).max(64),
      chargeId: z
        .string()
        .trim()
        .regex(/^ch_[A-Za-z0-9]+$/, { error: "Enter a Stripe charge id (ch_…)." }),
      // Empty: refund whatever is left of the charge.
      amount: z
        .string()
        .trim()
        .regex(/^(\d{1,9})?$/, { error: "Enter a whole number of the currency's smallest unit (cents)." })
        .transform((value) => (value === "" ? undefined : Number(value)))
        .refine((value) => value === undefined || value > 0, {
          error: "Enter an amount above 0, or leave it empty.",
        }),
      reason: z.enum(["", ...REFUND_REASONS]).transform((value) => value || undefined),
      // One per rendering of the form: a double submit refunds once.
      attemptId: z.uuid(),
    }),
  },
  async (ctx) => {
    const { org, attemptId, ...refund } = ctx.input;
    const result = await refundCharge({
      ...refund,
      orgSlug: org,
      attemptId,
      actorUserId: ctx.user.id,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    });
    revalidatePath(`/admin/organizations/${org}`);
    return {
      message: `Refund ${result.refundId} created: ${result.amount} ${result.currency.toUpperCase()} (smallest unit), status ${result.status ?? "unknown"}.`,
    };
  },
);
