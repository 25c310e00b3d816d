import "server-only";
import { createHash } from "node:crypto";
import Stripe from "stripe";
import type { BillingConfig } from "./config";
import { BillingDisabledError, IdempotencyKeyReusedError, StripeUnavailableError } from "./errors";

export { Stripe };

const clients = new Map<string, Stripe>();

/**
 * The Stripe SDK client for `config`, one per key and API base. Timeouts well under the SDK's 80 s
 * default (a user is waiting on a redirect), two retries for network errors (the SDK resends POSTs
 * with the same idempotency key), and no telemetry headers.
 */
export function stripeClient(config: BillingConfig): Stripe {
  if (!config.secretKey) throw new BillingDisabledError();
  const cacheKey = `${fingerprint(config.secretKey)}|${JSON.stringify(config.apiBase ?? null)}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new Stripe(config.secretKey, {
      maxNetworkRetries: 2,
      timeout: 15_000,
      telemetry: false,
      appInfo: { name: "Shipshape" },
      ...(config.apiBase ?? {}),
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/**
 * An idempotency key for one logical create: the same `parts` give the same key, so a retried or
 * double-submitted request makes one object at Stripe (which keeps keys for 24 hours).
 */
export function idempotencyKey(...parts: string[]): string {
  return `shipshape:${parts.join(":")}`;
}

/**
 * Calls Stripe; network failures and Stripe's own 5xx/429 become a 503 the user can act on, and an
 * idempotency key Stripe saw with other parameters (`idempotency_error`) a 409 saying so.
 */
export async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeIdempotencyError)
      throw new IdempotencyKeyReusedError(what, error);
    if (
      error instanceof Stripe.errors.StripeConnectionError ||
      error instanceof Stripe.errors.StripeAPIError ||
      error instanceof Stripe.errors.StripeRateLimitError
    ) {
      throw new StripeUnavailableError(what, error);
    }
    throw error;
  }
}

function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 16);
}
