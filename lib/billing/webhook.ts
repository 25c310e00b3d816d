import "server-only";
import { z } from "zod";
import type { PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { type BillingConfig, readBillingConfig } from "./config";
import { InvalidEventError, InvalidSignatureError, WebhookNotConfiguredError } from "./errors";
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
 * Throws InvalidSignatureError (400), InvalidEventError (400: signed, but not an event; nothing is
 * stored), WebhookNotConfiguredError when STRIPE_WEBHOOK_SECRET is unset
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
 * The envelope every Stripe event has. The signature proves who sent the bytes, not that they are an
 * event: anything else (an empty object, an array, a missing data.object) is refused before it is
 * stored or applied. The object inside is read by each event type's effect.
 */
const eventEnvelope = z.looseObject({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  created: z.number().int().nonnegative(),
  livemode: z.boolean(),
  data: z.looseObject({ object: z.looseObject({}) }),
});

/**
 * Checks the Stripe-Signature header against the exact bytes received, within the tolerance, and
 * returns the event once its envelope is well formed. A refusal is logged with its kind only: never
 * the body or the header.
 */
export function verifyStripeEvent(body: string, signature: string | null, secret: string): Stripe.Event {
  let payload: unknown;
  try {
    if (!signature) throw new InvalidSignatureError("missing_header");
    payload = Stripe.webhooks.constructEvent(body, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
  } catch (error) {
    // constructEvent verifies the signature before it parses: a SyntaxError is a signed non-JSON body.
    if (error instanceof SyntaxError) throw invalidEvent(body, "not_json");
    const reason = error instanceof InvalidSignatureError ? error.reason : refusalKind(error);
    logger.warn({ reason, bytes: Buffer.byteLength(body) }, "stripe webhook refused: bad signature");
    throw error instanceof InvalidSignatureError ? error : new InvalidSignatureError(reason);
  }
  const envelope = eventEnvelope.safeParse(payload);
  if (!envelope.success) {
    throw invalidEvent(
      body,
      envelope.error.issues.map((issue) => issue.path.join(".") || "(root)").join(","),
    );
  }
  return envelope.data as unknown as Stripe.Event;
}

function invalidEvent(body: string, fields: string): InvalidEventError {
  logger.warn({ fields, bytes: Buffer.byteLength(body) }, "stripe webhook refused: not an event");
  return new InvalidEventError();
}

function refusalKind(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  if (/tolerance/i.test(message)) return "timestamp_outside_tolerance";
  if (/extract|expected scheme/i.test(message)) return "malformed_header";
  return "signature_mismatch";
}
