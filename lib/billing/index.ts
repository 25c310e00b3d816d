// Billing with Stripe: plans as config, Checkout and the customer portal, entitlements, refunds, and
// a webhook that is verified, idempotent and order-safe. Off (everyone on the free plan) while
// STRIPE_SECRET_KEY is unset. See README.md.
import "server-only";

export { cancelSubscriptionFirst, cancelSubscriptionNow } from "./cancel";
export {
  type BillingRequest,
  checkoutAwaitingConfirmation,
  openCustomerPortal,
  startCheckout,
} from "./checkout";
export {
  type BillingConfig,
  billingEnvSchema,
  checkBillingEnv,
  PRICE_ENV,
  readBillingConfig,
} from "./config";
export {
  eraseStripeCustomer,
  queueStripeCustomerErasure,
  type StripeCustomerErasure,
  type StripeCustomerErasureResult,
  stripeCustomersOf,
} from "./customer-erasure";
export {
  type BillingOptions,
  getOrgBilling,
  hasEntitlement,
  limit,
  type QuotaUsage,
  quotaUsage,
  requireEntitlement,
} from "./entitlements";
export {
  AlreadySubscribedError,
  BillingDisabledError,
  ChargeNotFoundError,
  CheckoutPendingError,
  IdempotencyKeyReusedError,
  InvalidEventError,
  InvalidSignatureError,
  NoBillingAccountError,
  OrganizationNotFoundError,
  PlanLimitError,
  PlanNotForSaleError,
  RefundRefusedError,
  ResyncRaceError,
  StripeEventBusyError,
  StripeUnavailableError,
  UpgradeRequiredError,
  WebhookNotConfiguredError,
} from "./errors";
export {
  type ProcessResult,
  processStripeEvent,
  type ReplayResult,
  replayStripeEvent,
  StripeEventFailedError,
  WEBHOOK_LOCK_TIMEOUT_MS,
} from "./events";
export {
  type Entitlements,
  FEATURES,
  type Feature,
  isPaidPlan,
  PAID_PLAN_IDS,
  type PaidPlanId,
  PLAN_IDS,
  PLANS,
  type Plan,
  type PlanId,
  QUOTAS,
  type Quota,
} from "./plans";
export {
  REFUND_REASONS,
  type RefundInput,
  type RefundReason,
  type RefundResult,
  refundCharge,
} from "./refund";
export { type ResyncResult, resyncFromStripe } from "./resync";
export type { OrgBilling, SubscriptionStatus } from "./state";
export {
  receiveStripeEvent,
  SIGNATURE_TOLERANCE_SECONDS,
  verifyStripeEvent,
  WEBHOOK_MAX_BYTES,
  webhookConfigured,
} from "./webhook";
