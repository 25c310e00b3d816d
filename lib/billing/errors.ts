// The billing module's errors. Each carries an HTTP `status` and a stable `code`, which the route
// wrapper (lib/http) answers as `{ error: { code, message } }`; the messages say what to do next.
import { FEATURES, type Feature, PLANS, type PlanId, QUOTAS, type Quota } from "./plans";
import type { OrgBilling } from "./state";

abstract class BillingError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
}

/** Billing is off (no STRIPE_SECRET_KEY): there is nothing to buy or manage. */
export class BillingDisabledError extends BillingError {
  override name = "BillingDisabledError";
  readonly status = 409;
  readonly code = "billing_disabled";
  constructor() {
    super(
      "Billing is turned off on this server, so every organization is on the free plan. An operator can turn it on by setting STRIPE_SECRET_KEY (see docs/BILLING.md).",
    );
  }
}

/** Stripe could not be reached or failed on its side; nothing was changed here. */
export class StripeUnavailableError extends BillingError {
  override name = "StripeUnavailableError";
  readonly status = 503;
  readonly code = "stripe_unavailable";
  constructor(what: string, cause: unknown) {
    super(`Stripe could not ${what} just now. Nothing was charged or changed; try again in a minute.`, {
      cause,
    });
  }
}

/**
 * An idempotency key was reused for a different request (another amount, charge or plan): Stripe
 * refuses that (`idempotency_error`), and so does the refund record here. Nothing was changed.
 */
export class IdempotencyKeyReusedError extends BillingError {
  override name = "IdempotencyKeyReusedError";
  readonly status = 409;
  readonly code = "idempotency_key_reused";
  constructor(what: string, cause?: unknown) {
    super(
      `This request reuses the idempotency key of an earlier request that had different details, so Stripe was not asked to ${what} again and nothing was changed. To repeat the earlier request, send it exactly as before; for a new one, use a new idempotencyKey (on a page: reload it).`,
      { cause },
    );
  }
}

/** The plan doesn't include a feature. 402: paying (upgrading) is what unlocks it. */
export class UpgradeRequiredError extends BillingError {
  override name = "UpgradeRequiredError";
  readonly status = 402;
  readonly code = "upgrade_required";
  constructor(
    readonly plan: PlanId,
    readonly feature: Feature,
    mode: OrgBilling["mode"] = "on",
  ) {
    super(
      `The ${PLANS[plan].name} plan doesn't include this: ${FEATURES[feature].toLowerCase()}. ${upgradeHint(plan, mode, (p) => PLANS[p].entitlements.features.includes(feature))}`,
    );
  }
}

/** The organization has used all of a quota its plan allows. */
export class PlanLimitError extends BillingError {
  override name = "PlanLimitError";
  readonly status = 402;
  readonly code = "plan_limit_reached";
  constructor(
    readonly plan: PlanId,
    readonly quota: Quota,
    readonly allowed: number,
    readonly used: number,
    mode: OrgBilling["mode"] = "on",
  ) {
    super(
      `The ${PLANS[plan].name} plan allows ${allowed} ${QUOTAS[quota]} and this organization has ${used}. ${upgradeHint(
        plan,
        mode,
        (p) => {
          const more = PLANS[p].entitlements[quota];
          return more === null || more > allowed;
        },
      )}`,
    );
  }
}

function upgradeHint(current: PlanId, mode: OrgBilling["mode"], includes: (plan: PlanId) => boolean): string {
  // Nothing can be bought while billing is off: say who can change that, and how.
  if (mode === "off") {
    return "Billing is turned off on this server, so every organization is on the Free plan. An operator can turn billing on (STRIPE_SECRET_KEY, see docs/BILLING.md) or change the Free plan in lib/billing/plans.ts.";
  }
  const better = (Object.keys(PLANS) as PlanId[]).filter((plan) => plan !== current && includes(plan));
  if (better.length === 0) return "Contact support to discuss your needs.";
  const names = better.map((plan) => PLANS[plan].name).join(" or ");
  return `Upgrade to ${names} on the organization's billing page (owners and admins).`;
}

/** Checkout for a plan that isn't sold (free, or no price id configured). */
export class PlanNotForSaleError extends BillingError {
  override name = "PlanNotForSaleError";
  readonly status = 400;
  readonly code = "plan_not_available";
  constructor(plan: string) {
    super(`The plan "${plan}" can't be bought here. Choose Pro or Business.`);
  }
}

/** Checkout while a subscription is already running: plan changes go through the portal. */
export class AlreadySubscribedError extends BillingError {
  override name = "AlreadySubscribedError";
  readonly status = 409;
  readonly code = "already_subscribed";
  constructor() {
    super(
      "This organization already has a subscription. Use Manage billing to change the plan or cancel it.",
    );
  }
}

/**
 * Checkout while an earlier one is paid but not yet confirmed (Stripe's webhooks haven't arrived, or
 * the first payment is incomplete): a second one would make a second subscription.
 */
export class CheckoutPendingError extends BillingError {
  override name = "CheckoutPendingError";
  readonly status = 409;
  readonly code = "checkout_pending";
  constructor() {
    super(
      "A payment for this organization is being confirmed by Stripe, so no second checkout was started. The plan shows on the billing page as soon as Stripe confirms it; if the payment fails, you can choose a plan again.",
    );
  }
}

/** The customer portal before the organization ever subscribed. */
export class NoBillingAccountError extends BillingError {
  override name = "NoBillingAccountError";
  readonly status = 409;
  readonly code = "no_billing_account";
  constructor() {
    super("This organization has no billing account yet. Choose a plan first.");
  }
}

/** Refund of a charge that isn't this organization's (or doesn't exist): answered like "not found". */
export class ChargeNotFoundError extends BillingError {
  override name = "ChargeNotFoundError";
  readonly status = 404;
  readonly code = "not_found";
  constructor() {
    super("No charge with this id belongs to this organization.");
  }
}

/** Stripe refused the refund (already refunded, amount too large, …); its reason is passed on. */
export class RefundRefusedError extends BillingError {
  override name = "RefundRefusedError";
  readonly status = 409;
  readonly code = "refund_refused";
}

/** The webhook's signing secret is not configured: refuse at once (503) instead of hanging. */
export class WebhookNotConfiguredError extends BillingError {
  override name = "WebhookNotConfiguredError";
  readonly status = 503;
  readonly code = "webhook_not_configured";
  constructor() {
    super("The Stripe webhook is not configured on this server (STRIPE_WEBHOOK_SECRET is unset).");
  }
}

/** The Stripe-Signature header is missing, wrong or too old. */
export class InvalidSignatureError extends BillingError {
  override name = "InvalidSignatureError";
  readonly status = 400;
  readonly code = "invalid_signature";
  constructor(readonly reason: string) {
    super("The Stripe-Signature header does not match this payload, or its timestamp is too old.");
  }
}

/** A correctly signed body that is not a Stripe event (no id, type or data.object; not JSON). */
export class InvalidEventError extends BillingError {
  override name = "InvalidEventError";
  readonly status = 400;
  readonly code = "invalid_event";
  constructor() {
    super(
      "The signed payload is not a Stripe event: it needs id, type, created, livemode and data.object. Nothing was stored.",
    );
  }
}

/**
 * Another transaction held the organization's row (or the event's id) longer than
 * WEBHOOK_LOCK_TIMEOUT_MS. Nothing was applied or recorded: answered 503 so that Stripe retries.
 */
export class StripeEventBusyError extends BillingError {
  override name = "StripeEventBusyError";
  readonly status = 503;
  readonly code = "stripe_event_busy";
  constructor(
    readonly eventId: string,
    cause: unknown,
  ) {
    super(
      "Another change to this organization's billing is in progress. Nothing was applied; Stripe retries this event.",
      { cause },
    );
  }
}

/** An organization to re-sync that doesn't exist. */
export class OrganizationNotFoundError extends BillingError {
  override name = "OrganizationNotFoundError";
  readonly status = 404;
  readonly code = "not_found";
  constructor(reference: string) {
    super(`No organization has the slug or id "${reference}".`);
  }
}

/** Webhook events newer than the fetched state were applied meanwhile: run it again. */
export class ResyncRaceError extends BillingError {
  override name = "ResyncRaceError";
  readonly status = 409;
  readonly code = "resync_race";
  constructor() {
    super(
      "A newer Stripe event was applied while the subscription was being fetched; run the re-sync again.",
    );
  }
}
