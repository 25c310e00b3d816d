import "server-only";
import type { PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { type BillingConfig, readBillingConfig } from "./config";
import { InvalidSignatureError, WebhookNotConfiguredError } from "./errors";
import { type ProcessResult, processStripeEvent } from "./events";
import { Stripe } from "./stripe";

/**
 * The largest webhook body read. Stripe's event payloads are a few kB (lists inside are truncated to
 * 10 items); the cap stops an unauthenticated sender from making the server buffer megabytes before
 * the signature check can refuse them.
 */
export const WEBHOOK_MAX_BYTES = 256 * 1024;

/** Stripe's own default: a signature older than 5 minutes is refused (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Verifies a webhook delivery and applies its event exactly once. `body` is the raw request body
 * (read with a cap of WEBHOOK_MAX_BYTES, before any parsing: the signature covers its exact bytes).
 * Throws InvalidSignatureError (400), WebhookNotConfiguredError when STRIPE_WEBHOOK_SECRET is unset
 * (check `webhookConfigured()` first and answer 503 before reading the body), or
 * StripeEventFailedError when the effect failed (answer 500, so Stripe retries).
 */
export async function receiveStripeEvent(
  body: string,
  signature: string | null,
  { db, config = readBillingConfig() }: { db?: PrismaClient; config?: BillingConfig } = {},
): Promise<ProcessResult> {
  if (!config.webhookSecret) throw new WebhookNotConfiguredError();
  const event = verifyStripeEvent(body, signature, config.webhookSecret);
  return processStripeEvent(event, { db, config });
}

/** False while STRIPE_WEBHOOK_SECRET is unset: the webhook must refuse at once (503) rather than hang. */
export function webhookConfigured(config: BillingConfig = readBillingConfig()): boolean {
  if (!config.webhookSecret) logger.error("stripe webhook refused: STRIPE_WEBHOOK_SECRET is not set");
  return Boolean(config.webhookSecret);
}

/**
 * Checks the Stripe-Signature header against the exact bytes received, within the tolerance, and
 * returns the event. A refusal is logged with its kind only: never the body or the header.
 */
export function verifyStripeEvent(body: string, signature: string | null, secret: string): Stripe.Event {
  let event: Stripe.Event;
  try {
    if (!signature) throw new InvalidSignatureError("missing_header");
    event = Stripe.webhooks.constructEvent(body, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
  } catch (error) {
    const reason = error instanceof InvalidSignatureError ? error.reason : refusalKind(error);
    logger.warn({ reason, bytes: Buffer.byteLength(body) }, "stripe webhook refused: bad signature");
    throw error instanceof InvalidSignatureError ? error : new InvalidSignatureError(reason);
  }
  return event;
}

function refusalKind(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  if (/tolerance/i.test(message)) return "timestamp_outside_tolerance";
  if (/extract|expected scheme/i.test(message)) return "malformed_header";
  if (error instanceof SyntaxError) return "not_json";
  return "signature_mismatch";
}
