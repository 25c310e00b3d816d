import "server-only";
import { recordAuditEvent } from "@/lib/audit";
import { getDb, type PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { type BillingConfig, readBillingConfig } from "./config";
import {
  BillingDisabledError,
  ChargeNotFoundError,
  IdempotencyKeyReusedError,
  RefundRefusedError,
} from "./errors";
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
 *
 * `attemptId` makes it idempotent: the refund is stored under it (BillingRefund) in the transaction
 * that audits it, so a repeated request answers the stored refund, and requests racing through
 * Stripe (which replays one refund for one key) insert one row and one audit event between them.
 * The same `attemptId` with another charge, amount or reason is IdempotencyKeyReusedError (409).
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

  const earlier = await db.billingRefund.findUnique({ where: { idempotencyKey: input.attemptId } });
  if (earlier) return sameRefund(earlier, org.id, input);

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
    const raced = await db.$transaction(async (tx) => {
      const inserted = await tx.billingRefund.createMany({
        data: {
          idempotencyKey: input.attemptId,
          orgId: org.id,
          chargeId: charge.id,
          requestedAmount: input.amount ?? null,
          reason: input.reason ?? null,
          stripeRefundId: refund.id,
          amount: refund.amount,
          currency: refund.currency,
          status: refund.status,
        },
        skipDuplicates: true,
      });
      // Another request with this key committed first (it waited on the key): its row and audit
      // event are the record of this refund.
      if (inserted.count === 0) {
        return tx.billingRefund.findUniqueOrThrow({ where: { idempotencyKey: input.attemptId } });
      }
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
        tx,
      );
      return null;
    });
    if (raced) return sameRefund(raced, org.id, input);
  } catch (error) {
    // The money has moved and can't be un-refunded: say so loudly, with what the entry would have held.
    // A retry with the same key records it (Stripe answers the same refund for 24 hours).
    logger.error(
      { err: error, orgId: org.id, chargeId: charge.id, ...result },
      "refund made but not audited",
    );
    throw error;
  }
  return result;
}

type StoredRefund = {
  orgId: string;
  chargeId: string;
  requestedAmount: number | null;
  reason: string | null;
  stripeRefundId: string;
  amount: number;
  currency: string;
  status: string | null;
};

/** The stored refund again for a repeated request; a different request under its key is refused. */
function sameRefund(stored: StoredRefund, orgId: string, input: RefundInput): RefundResult {
  const same =
    stored.orgId === orgId &&
    stored.chargeId === input.chargeId &&
    stored.requestedAmount === (input.amount ?? null) &&
    stored.reason === (input.reason ?? null);
  if (!same) throw new IdempotencyKeyReusedError("create the refund");
  return {
    refundId: stored.stripeRefundId,
    amount: stored.amount,
    currency: stored.currency,
    status: stored.status,
  };
}
