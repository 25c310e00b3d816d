import "server-only";
import { recordAuditEvent } from "@/lib/audit";
import { getDb, type PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { type BillingConfig, readBillingConfig } from "./config";
import { BillingDisabledError, ChargeNotFoundError, RefundRefusedError } from "./errors";
import { callStripe, idempotencyKey, Stripe, stripeClient } from "./stripe";

export const REFUND_REASONS = ["duplicate", "fraudulent", "requested_by_customer"] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export type RefundInput = {
  /** The organization whose payment is refunded (platform admins act on any organization). */
  orgSlug: string;
  chargeId: string;
  /** In the currency's smallest unit (cents); omitted: whatever is left of the charge. */
  amount?: number;
  reason?: RefundReason;
  /** The platform admin, already re-authenticated (step-up) by the route. */
  actorUserId: string;
  /** Names this refund request: a retried or double-submitted request refunds once. */
  attemptId: string;
  ip?: string | null;
  userAgent?: string | null;
};

export type RefundResult = { refundId: string; amount: number; currency: string; status: string | null };

/**
 * Refunds a charge of an organization through the Stripe API and records `billing.refund.created`.
 * The charge must belong to the organization's Stripe customer; any other charge id is answered like
 * one that doesn't exist. Stripe's refusals (already refunded, amount over what is left) come back
 * as RefundRefusedError with Stripe's reason. `charge.refunded` arrives later through the webhook and
 * is recorded too. Who may call this (platform admins, after step-up) is the route's decision.
 */
export async function refundCharge(
  input: RefundInput,
  { db = getDb(), config = readBillingConfig() }: { db?: PrismaClient; config?: BillingConfig } = {},
): Promise<RefundResult> {
  if (!config.enabled) throw new BillingDisabledError();
  const org = await db.organization.findUnique({
    where: { slug: input.orgSlug },
    select: { id: true, billingAccount: { select: { stripeCustomerId: true } } },
  });
  const customerId = org?.billingAccount?.stripeCustomerId;
  if (!org || !customerId) throw new ChargeNotFoundError();

  const stripe = stripeClient(config);
  const charge = await callStripe("look up the charge", () =>
    stripe.charges.retrieve(input.chargeId).catch((error: unknown) => {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing") {
        throw new ChargeNotFoundError();
      }
      throw error;
    }),
  );
  const chargeCustomer = typeof charge.customer === "string" ? charge.customer : charge.customer?.id;
  if (chargeCustomer !== customerId) throw new ChargeNotFoundError();

  const refund = await callStripe("create the refund", () =>
    stripe.refunds
      .create(
        {
          charge: charge.id,
          ...(input.amount !== undefined ? { amount: input.amount } : {}),
          ...(input.reason ? { reason: input.reason } : {}),
          // Who asked is in the audit log (billing.refund.created, with the refund id), not here: a
          // user id sent to Stripe comes back in webhook payloads and outlives the user's deletion.
          metadata: { orgId: org.id },
        },
        { idempotencyKey: idempotencyKey("refund", charge.id, input.attemptId) },
      )
      .catch((error: unknown) => {
        if (error instanceof Stripe.errors.StripeInvalidRequestError) {
          throw new RefundRefusedError(`Stripe refused the refund: ${error.message}`);
        }
        throw error;
      }),
  );

  const result = {
    refundId: refund.id,
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status,
  };
  try {
    await recordAuditEvent(
      {
        action: "billing.refund.created",
        actor: { type: "USER", id: input.actorUserId },
        ip: input.ip,
        userAgent: input.userAgent,
        orgId: org.id,
        target: { type: "stripe_charge", id: charge.id },
        metadata: { ...result, reason: input.reason ?? null },
      },
      db,
    );
  } catch (error) {
    // The money has moved and can't be un-refunded: say so loudly, with what the entry would have held.
    logger.error(
      { err: error, orgId: org.id, chargeId: charge.id, ...result },
      "refund made but not audited",
    );
    throw error;
  }
  return result;
}
