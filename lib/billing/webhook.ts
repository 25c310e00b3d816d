import "server-only";
import type { PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { type BillingConfig, readBillingConfig } from "./config";
import { InvalidSignatureError, PayloadTooLargeError, WebhookNotConfiguredError } from "./errors";
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
 * The whole webhook: refuse at once when the signing secret is unset (503), read the raw body up to
 * the cap (413), verify the signature and its age (400), then apply the event exactly once. Throws
 * the billing errors (each with its status and code) or StripeEventFailedError (500, so Stripe
 * retries).
 */
export async function handleStripeWebhook(
  request: Request,
  { db, config = readBillingConfig() }: { db?: PrismaClient; config?: BillingConfig } = {},
): Promise<ProcessResult> {
  if (!config.webhookSecret) {
    await request.body?.cancel();
    logger.error("stripe webhook refused: STRIPE_WEBHOOK_SECRET is not set");
    throw new WebhookNotConfiguredError();
  }
  const body = await readRawBody(request, WEBHOOK_MAX_BYTES);
  const event = verifyStripeEvent(body, request.headers.get("stripe-signature"), config.webhookSecret);
  return processStripeEvent(event, { db, config });
}

/**
 * Checks the Stripe-Signature header against the exact bytes received, within the tolerance, and
 * returns the event. A refusal is logged with its kind only: never the body or the header.
 */
export function verifyStripeEvent(body: Buffer, signature: string | null, secret: string): Stripe.Event {
  let event: Stripe.Event;
  try {
    if (!signature) throw new InvalidSignatureError("missing_header");
    event = Stripe.webhooks.constructEvent(body, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
  } catch (error) {
    const reason = error instanceof InvalidSignatureError ? error.reason : refusalKind(error);
    logger.warn({ reason, bytes: body.length }, "stripe webhook refused: bad signature");
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

/**
 * The request body as bytes, read chunk by chunk and abandoned as soon as it passes `maxBytes` (a
 * Content-Length over the limit is refused before reading). The signature covers these exact bytes.
 */
async function readRawBody(request: Request, maxBytes: number): Promise<Buffer> {
  if (Number(request.headers.get("content-length")) > maxBytes) {
    await request.body?.cancel();
    throw new PayloadTooLargeError(maxBytes);
  }
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      throw new PayloadTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
