// Platform operators refund a payment of an organization. Re-authentication within 10 minutes is
// required (step-up): this moves money. lib/billing checks that the charge is the organization's,
// calls Stripe with an idempotency key from the request, and records billing.refund.created.
import { z } from "zod";
import { REFUND_REASONS, refundCharge } from "@/lib/billing";
import { route } from "@/lib/http";

export const dynamic = "force-dynamic";

const refundRequest = z.object({
  chargeId: z.string().regex(/^ch_[A-Za-z0-9]+$/, { error: "must be a Stripe charge id (ch_…)" }),
  /** In the currency's smallest unit (cents); omit it to refund whatever is left of the charge. */
  amount: z.number().int().positive().optional(),
  reason: z.enum(REFUND_REASONS).optional(),
  /** Names this refund: sending the same request again (a retry) refunds once. */
  idempotencyKey: z.string().min(8).max(100),
});

export const POST = route(
  {
    auth: "platformAdmin",
    rateLimit: "api-user",
    stepUp: true,
    input: { params: z.object({ org: z.string().min(1).max(64) }), body: refundRequest },
  },
  async ({ input, user, ip, userAgent }) => {
    const { idempotencyKey, ...refund } = input.body;
    return refundCharge({
      ...refund,
      orgSlug: input.params.org,
      attemptId: idempotencyKey,
      actorUserId: user.id,
      ip,
      userAgent,
    });
  },
);
