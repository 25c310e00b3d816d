import "server-only";
import { getDb, Prisma, type PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { type BillingConfig, keyLivemode, readBillingConfig } from "./config";
import { applyEvent, type Effect } from "./effects";
import { StripeEventBusyError } from "./errors";
import type { Stripe } from "./stripe";

export type ProcessResult =
  /** The event id was already handled: nothing was done (Stripe gets a 200 all the same). */
  | { status: "duplicate"; eventId: string }
  | { status: "processed" | "ignored"; eventId: string; orgId: string | null; reason?: string };

/** An event's effect threw: recorded as FAILED; answered 500 so that Stripe retries. */
export class StripeEventFailedError extends Error {
  override name = "StripeEventFailedError";
  constructor(
    readonly eventId: string,
    readonly eventType: string,
    cause: unknown,
  ) {
    super(`Stripe event ${eventId} (${eventType}) could not be applied: ${messageOf(cause)}`, { cause });
  }
}

type Options = { db?: PrismaClient; config?: BillingConfig };

/**
 * How long a delivery waits for a row lock (the organization's billing row, or a concurrent delivery
 * of the same event id) before it gives up with a 503. Two events of one organization normally
 * apply one after the other in milliseconds; a lock held longer is a stuck transaction, and waiting
 * for it would hold a connection and Stripe's request (whose own timeout is longer) for minutes.
 */
export const WEBHOOK_LOCK_TIMEOUT_MS = 3_000;

// Waiting for a pooled connection, then for the whole effect (locks are bounded by the lock timeout).
const TRANSACTION = { maxWait: 10_000, timeout: 15_000 };

/**
 * Applies a verified Stripe event exactly once. The StripeEvent row is inserted in the same
 * transaction as the effect, so they commit together or not at all: a duplicate delivery finds the
 * row and does nothing, and concurrent deliveries of one id wait on the primary key until the first
 * commits (then do nothing) or rolls back (then one of them applies it). A FAILED row is claimed
 * again, which is how Stripe's retries and `billing:replay` re-apply it. Unknown event types are
 * stored as IGNORED. The payload is stored minimized (the database function stripe_event_minimized,
 * migration stripe_event_minimized): ids, type, dates, statuses, prices and amounts, everything the
 * effects read, and none of the customer's name, email, address or card details. Email is queued (a pg-boss job) in the same transaction, so it goes out once.
 */
export async function processStripeEvent(
  event: Stripe.Event,
  { db = getDb(), config = readBillingConfig() }: Options = {},
): Promise<ProcessResult> {
  let effect: Effect | null;
  try {
    effect = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('lock_timeout', ${`${WEBHOOK_LOCK_TIMEOUT_MS}ms`}, true)`;
      const claimed = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO "StripeEvent" (id, type, "createdAt", payload, outcome)
        VALUES (${event.id}, ${event.type}, ${new Date(event.created * 1000)},
                stripe_event_minimized(${JSON.stringify(event)}::jsonb), 'RECEIVED')
        ON CONFLICT (id) DO UPDATE SET outcome = 'RECEIVED', error = NULL
          WHERE "StripeEvent".outcome = 'FAILED'
        RETURNING id`;
      if (claimed.length === 0) return null;
      const applied = otherModeThanKey(event, config) ?? (await applyEvent(tx, event, { config }));
      await tx.stripeEvent.update({
        where: { id: event.id },
        data: {
          outcome: applied.outcome,
          processedAt: new Date(),
          orgId: applied.orgId,
          reason: applied.reason ?? null,
        },
      });
      return applied;
    }, TRANSACTION);
  } catch (error) {
    if (isLockTimeout(error)) {
      // Not the event's fault, and nothing was stored: the retry finds it new.
      logger.warn({ eventId: event.id, eventType: event.type }, "stripe event waited too long for a lock");
      throw new StripeEventBusyError(event.id, error);
    }
    await recordFailure(db, event, error);
    throw new StripeEventFailedError(event.id, event.type, error);
  }

  if (!effect) {
    logger.info({ eventId: event.id, eventType: event.type }, "stripe event already handled (duplicate)");
    return { status: "duplicate", eventId: event.id };
  }
  const result = {
    status: effect.outcome === "PROCESSED" ? "processed" : "ignored",
    eventId: event.id,
    orgId: effect.orgId,
    ...(effect.reason ? { reason: effect.reason } : {}),
  } as const;
  logger.info({ ...result, eventType: event.type }, "stripe event handled");
  return result;
}

/**
 * An event from the other mode than the secret key's (a live event at a server with test keys, or a
 * test event at a live server: a webhook endpoint or secret copied across modes) is stored, not
 * applied, and acknowledged so that Stripe stops resending it.
 */
function otherModeThanKey(event: Stripe.Event, config: BillingConfig): Effect | null {
  const live = keyLivemode(config);
  if (live === null || event.livemode === live) return null;
  logger.warn({ eventId: event.id, livemode: event.livemode }, "stripe event from the other mode ignored");
  return {
    outcome: "IGNORED",
    orgId: null,
    reason: event.livemode
      ? "a live mode event, and this server has a test key: not applied"
      : "a test mode event, and this server has a live key: not applied",
  };
}

/**
 * Marks the event FAILED with the error's message (never the payload), outside the rolled-back
 * transaction. A row another delivery has meanwhile PROCESSED is left alone.
 */
async function recordFailure(db: PrismaClient, event: Stripe.Event, error: unknown): Promise<void> {
  const message = messageOf(error).slice(0, 2000);
  logger.error({ err: error, eventId: event.id, eventType: event.type }, "stripe event failed");
  try {
    await db.$executeRaw`
      INSERT INTO "StripeEvent" (id, type, "createdAt", payload, outcome, error)
      VALUES (${event.id}, ${event.type}, ${new Date(event.created * 1000)},
              stripe_event_minimized(${JSON.stringify(event)}::jsonb), 'FAILED', ${message})
      ON CONFLICT (id) DO UPDATE SET error = EXCLUDED.error
        WHERE "StripeEvent".outcome = 'FAILED'`;
  } catch (recordError) {
    logger.error({ err: recordError, eventId: event.id }, "could not record a failed stripe event");
  }
}

export type ReplayResult = ProcessResult | { status: "not_found"; eventId: string };

/**
 * Re-applies a stored event that FAILED (after the cause is fixed), through the same path as a
 * delivery: same transaction, same order rules. The stored payload is the minimized one, which keeps
 * every field the effects read. An event already PROCESSED or IGNORED is reported as
 * a duplicate and not applied again.
 */
export async function replayStripeEvent(eventId: string, options: Options = {}): Promise<ReplayResult> {
  const db = options.db ?? getDb();
  const stored = await db.stripeEvent.findUnique({ where: { id: eventId } });
  if (!stored) return { status: "not_found", eventId };
  if (stored.outcome !== "FAILED") return { status: "duplicate", eventId };
  return processStripeEvent(stored.payload as unknown as Stripe.Event, { ...options, db });
}

/**
 * PostgreSQL's lock_not_available (55P03). The locks are taken by raw queries (the claim's INSERT, the
 * row's FOR UPDATE), which the driver adapter reports as P2010 with PostgreSQL's code in its cause.
 */
function isLockTimeout(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const adapterError = error.meta?.driverAdapterError as { cause?: { originalCode?: string } } | undefined;
  return adapterError?.cause?.originalCode === "55P03";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
