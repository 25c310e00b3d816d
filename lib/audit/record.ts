import "server-only";
import { isIP } from "node:net";
import { z } from "zod";
import { getDb, Prisma, type PrismaClient } from "@/lib/db";
import { currentRequestContext, redactSensitiveKeys } from "@/lib/log";
import { AUDIT_ACTIONS, type AuditAction } from "./actions";
import { canonicalJson } from "./canonical-json";
import {
  AUDIT_HASH_VERSION,
  AUDIT_LOCK_NAMESPACE,
  type AuditChain,
  auditChainOf,
  auditEventHash,
  type ChainedEvent,
  GENESIS_HASH,
  uuidv7,
} from "./chain";
import { pseudonymKeyOf } from "./config";
import { refuseUserIdsInMetadata } from "./metadata-user-ids";
import { readAuditConfig } from "./retention";

/** The app's Prisma client, or the transaction client inside `db.$transaction(async (tx) => …)`. */
export type AuditDb = PrismaClient | Prisma.TransactionClient;

export type AuditActor =
  /** A signed-in user: their User.id. */
  | { type: "USER"; id: string }
  /** The platform itself: the job or component, such as "audit-retention" or "stripe-webhook". */
  | { type: "SYSTEM"; id: string }
  /** Nobody identified yet, such as a failed sign-in for an unknown address. */
  | { type: "ANONYMOUS" };

export interface AuditEventInput {
  action: AuditAction;
  actor: AuditActor;
  /**
   * The client's IP address (one address), or lib/ratelimit's clientIp() as it comes ("unknown" is
   * stored as no address); omit it for actions that did not come from a request.
   */
  ip?: string | null;
  /** The client's User-Agent header; cut to 512 characters. */
  userAgent?: string | null;
  /** The organization the action happened in; omit it (or null) for platform events. */
  orgId?: string | null;
  /**
   * What the action was done to, such as `{ type: "user", id }` or `{ type: "project", id }`. A user
   * the action was done to is the target with type "user" (a member whose role changed, not their
   * membership), so that their hard delete can pseudonymize it.
   */
  target?: { type: string; id: string } | null;
  /**
   * Details. Redacted like log lines before they are stored: a `password` key becomes "[REDACTED]".
   * Never a user id: a user is the actor or the target (a user's hard delete rewrites those two, not
   * metadata). Outside production, an event whose metadata holds an existing User.id is refused
   * (when the app registered how to find user ids: setAuditUserIdLookup).
   */
  metadata?: Record<string, unknown>;
  /** Defaults to the id of the request being handled (lib/log withRequestContext). */
  requestId?: string | null;
}

export interface RecordedAuditEvent {
  id: string;
  chain: AuditChain;
  seq: number;
  at: Date;
  hash: string;
}

/** The input of recordAuditEvent is wrong; the message names each field and what it must be. */
export class InvalidAuditEventError extends Error {
  override name = "InvalidAuditEventError";
}

// Appends to one chain queue on its lock, and a burst can also queue for a pool connection: wait
// longer than Prisma's defaults (2 s for a connection, 5 s in all) before failing the write.
const OWN_TRANSACTION = { maxWait: 10_000, timeout: 15_000 };
const MAX_METADATA_BYTES = 16 * 1024;
const MAX_USER_AGENT_LENGTH = 512;
const KNOWN_ACTIONS = new Set<string>(AUDIT_ACTIONS);

/** lib/ratelimit's UNKNOWN_CLIENT_IP: the client's address could not be told. */
const UNKNOWN_IP = "unknown";

const inputSchema = z.object({
  action: z.string().refine((action) => KNOWN_ACTIONS.has(action), {
    error: "is not in the catalogue; add it to lib/audit/actions.ts first",
  }),
  actor: z.discriminatedUnion(
    "type",
    [
      z.object({ type: z.literal("USER"), id: z.uuid({ error: "must be the user's User.id (a UUID)" }) }),
      z.object({
        type: z.literal("SYSTEM"),
        id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, {
          error:
            'must name the job or component: lowercase letters, digits, ".", "_", "-" (such as "audit-retention")',
        }),
      }),
      z.object({ type: z.literal("ANONYMOUS") }),
    ],
    { error: 'must be { type: "USER", id }, { type: "SYSTEM", id } or { type: "ANONYMOUS" }' },
  ),
  ip: z
    .union([
      // What lib/ratelimit's clientIp() answers when no trusted proxy names the client: no address.
      // Accepted as such, so a caller can pass clientIp(headers) straight through (the string is
      // repeated here rather than imported, so audit needs no other module).
      z.literal(UNKNOWN_IP).transform(() => null),
      z.string().refine((ip) => isIP(ip) !== 0, {
        error: "must be one IPv4 or IPv6 address (the client's, not a whole X-Forwarded-For list)",
      }),
    ])
    .nullish(),
  userAgent: z.string().nullish(),
  orgId: z.uuid({ error: "must be an Organization.id (a UUID), or null for a platform event" }).nullish(),
  target: z
    .object({
      type: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, {
        error: 'must be a lowercase name such as "user", "project" or "invitation"',
      }),
      id: z.string().min(1).max(200),
    })
    .nullish(),
  metadata: z.record(z.string(), z.unknown(), { error: "must be a plain object" }).optional(),
  requestId: z.string().max(200).nullish(),
});

type PreparedEvent = Omit<ChainedEvent, "id" | "seq" | "at" | "prevHash" | "hashVersion">;

/** Validates the input and gives every field its stored form (chain, redacted metadata, nulls). */
function prepare(input: AuditEventInput): PreparedEvent {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "input"}: ${issue.message}`,
    );
    throw new InvalidAuditEventError(
      `Invalid audit event (${String(input?.action)}): ${problems.join("; ")}`,
    );
  }
  const { action, actor, ip, userAgent, orgId, target, requestId } = parsed.data;
  let metadataJson: string;
  try {
    // To plain JSON first (Dates become ISO strings, anything JSON can't carry is refused), then the
    // log redaction, which walks plain objects only.
    const plain: unknown = JSON.parse(canonicalJson(parsed.data.metadata ?? {}, "metadata"));
    metadataJson = canonicalJson(redactSensitiveKeys(plain), "metadata");
  } catch (error) {
    throw new InvalidAuditEventError(`Invalid audit event (${action}): ${(error as Error).message}`);
  }
  if (Buffer.byteLength(metadataJson) > MAX_METADATA_BYTES) {
    throw new InvalidAuditEventError(
      `Invalid audit event (${action}): metadata is ${Buffer.byteLength(metadataJson)} bytes as JSON, over the ` +
        `${MAX_METADATA_BYTES}-byte limit. Keep ids and short facts in it, not documents.`,
    );
  }
  // Lowercase, as PostgreSQL prints a uuid: "org:<ID>" and "org:<id>" must not become two chains.
  const orgIdOrNull = orgId?.toLowerCase() ?? null;
  // The user the event is about, which picks its platform shard: the acting user, else the target.
  const subjectUserId =
    actor.type === "USER" ? actor.id.toLowerCase() : target?.type === "user" ? target.id.toLowerCase() : null;
  return {
    chain: auditChainOf(orgIdOrNull, subjectUserId),
    actorType: actor.type,
    actorId: actor.type === "ANONYMOUS" ? null : actor.type === "USER" ? actor.id.toLowerCase() : actor.id,
    actorIp: ip ?? null,
    actorUserAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : null,
    orgId: orgIdOrNull,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    // Parsed back from its canonical text: plain JSON (Dates are ISO strings now), as the database
    // will return it, so the hash computed now is the one verification recomputes later.
    metadata: JSON.parse(metadataJson) as Record<string, unknown>,
    requestId: requestId ?? currentRequestContext()?.requestId ?? null,
  };
}

/**
 * Appends one event to its chain: the organization's (input.orgId), or one of the platform's shards.
 *
 * Pass the transaction client to write the event in the same transaction as the change it records:
 * both commit or neither does. Record it as the transaction's last statement, because the chain's
 * lock is held until the transaction ends. Without `tx`, the event is written in a transaction of its
 * own on the app's client. The transaction must be READ COMMITTED (Prisma's default).
 *
 * Throws InvalidAuditEventError for a bad input, naming the field.
 */
export async function recordAuditEvent(
  input: AuditEventInput,
  tx: AuditDb = getDb(),
): Promise<RecordedAuditEvent> {
  const event = prepare(input);
  if (process.env.NODE_ENV !== "production") {
    await refuseUserIdsInMetadata(event, tx, (message) => new InvalidAuditEventError(message));
  }
  // A root client has $disconnect; a transaction client has not. (Both have $transaction: on a
  // transaction client it would open a savepoint, two more round trips for nothing.)
  if ("$disconnect" in tx) return appendOnItsOwn(tx, event);
  return appendUnderLock(tx, event);
}

// An event with no transaction of its own tries this many lock-free appends before queueing on the
// chain's lock: enough for the usual race on a shard, few enough that a hot chain soon falls back.
const OPTIMISTIC_ATTEMPTS = 3;

/**
 * An event written on its own (most security events: sign-ins, failed sign-ins): two statements and
 * no transaction to open and close, instead of five round trips holding the chain's lock (decision
 * 0036). Reads the head without the lock, then inserts in one statement that takes the chain's lock
 * only if it is free (pg_try_advisory_xact_lock, released when that statement commits): an append
 * holding the lock is never overtaken, so it never reads a head that moves under it. Two lock-free
 * appends that read the same head both try the same (chain, seq): the unique index lets one in and
 * the other retries from the new head. After OPTIMISTIC_ATTEMPTS, it queues on the lock like an
 * append inside a transaction.
 */
async function appendOnItsOwn(db: PrismaClient, event: PreparedEvent): Promise<RecordedAuditEvent> {
  for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
    const chained = chainAfter(event, await readHead(db, event.chain));
    try {
      if (await insertIfChainFree(db, chained)) return recorded(chained);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  return db.$transaction((ownTx) => appendUnderLock(ownTx, event), OWN_TRANSACTION);
}

/** An event written inside the caller's transaction: the chain's lock is held until it ends. */
async function appendUnderLock(
  tx: Prisma.TransactionClient,
  event: PreparedEvent,
): Promise<RecordedAuditEvent> {
  // Serializes appends to this chain until the transaction ends, so two appends never read the same
  // head (which would fork the chain). Other chains are not blocked.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_NAMESPACE}::int4, hashtext(${event.chain}))`;

  // The head is read in a statement of its own, after the lock: in READ COMMITTED each statement sees
  // everything committed before it started, including the append that held the lock before this one.
  const chained = chainAfter(event, await readHead(tx, event.chain));
  try {
    // The lock is already this transaction's: taking it again succeeds at once.
    if (!(await insertIfChainFree(tx, chained))) {
      throw new Error(`recordAuditEvent: chain ${chained.chain}'s lock was lost inside its transaction.`);
    }
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new Error(
        `recordAuditEvent: chain ${chained.chain} already has seq ${chained.seq}, so this append read a stale ` +
          "head. Record audit events in READ COMMITTED transactions (Prisma's default): under REPEATABLE READ " +
          "or SERIALIZABLE the transaction's snapshot predates the chain lock.",
        { cause: error },
      );
    }
    throw error;
  }
  return recorded(chained);
}

function recorded({ id, chain, seq, at, hash }: AppendedEvent): RecordedAuditEvent {
  return { id, chain, seq, at, hash };
}

interface HeadRow {
  /** Database clock, truncated to milliseconds, as an ISO 8601 UTC string. */
  now: string;
  seq: bigint | null;
  hash: string | null;
}

/**
 * The chain's last event (or retention checkpoint) and the database's clock. Times travel as UTC
 * strings, never as Prisma Dates, which are read and written relative to the session's TimeZone: the
 * hash must not depend on the server's time zone setting.
 */
async function readHead(db: AuditDb, chain: string): Promise<HeadRow> {
  const [head] = await db.$queryRaw<HeadRow[]>`
    SELECT to_char(date_trunc('milliseconds', clock_timestamp()) AT TIME ZONE 'UTC',
                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now,
           head.seq, head.hash
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      (SELECT seq, hash FROM "AuditEvent" WHERE chain = ${chain} ORDER BY seq DESC LIMIT 1)
      UNION ALL
      (SELECT seq, hash FROM "AuditCheckpoint" WHERE chain = ${chain} ORDER BY seq DESC LIMIT 1)
      ORDER BY seq DESC LIMIT 1
    ) AS head ON true`;
  if (!head) throw new Error("recordAuditEvent: the chain head query returned no row.");
  return head;
}

type AppendedEvent = ChainedEvent & RecordedAuditEvent;

/** The event as the next link after `head`, with its hash. */
function chainAfter(event: PreparedEvent, head: HeadRow): AppendedEvent {
  const at = new Date(head.now);
  const chained: ChainedEvent = {
    ...event,
    id: uuidv7(at),
    seq: head.seq === null ? 1 : Number(head.seq) + 1,
    at,
    prevHash: head.hash ?? GENESIS_HASH,
    hashVersion: AUDIT_HASH_VERSION,
  };
  return {
    ...chained,
    chain: chained.chain as AuditChain,
    hash: auditEventHash(chained, pseudonymKeyOf(readAuditConfig())),
  };
}

/**
 * Inserts the event if its chain's lock is free or already this transaction's; false (nothing
 * written) if another transaction holds it. Throws the unique violation if (chain, seq) is taken.
 */
async function insertIfChainFree(db: AuditDb, event: AppendedEvent): Promise<boolean> {
  const inserted = await db.$executeRaw`
    INSERT INTO "AuditEvent" (id, chain, seq, at, "actorType", "actorId", "actorIp", "actorUserAgent",
      "orgId", action, "targetType", "targetId", metadata, "requestId", "prevHash", hash, "hashVersion")
    SELECT ${event.id}::uuid, ${event.chain}, ${event.seq}::bigint, ${event.at.toISOString()}::timestamptz,
      ${event.actorType}::"AuditActorType", ${event.actorId}, ${event.actorIp},
      ${event.actorUserAgent}, ${event.orgId}::uuid, ${event.action}, ${event.targetType},
      ${event.targetId}, ${JSON.stringify(event.metadata)}::jsonb, ${event.requestId},
      ${event.prevHash}, ${event.hash}, ${event.hashVersion}::smallint
    WHERE pg_try_advisory_xact_lock(${AUDIT_LOCK_NAMESPACE}::int4, hashtext(${event.chain}))`;
  return inserted === 1;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && /\b23505\b|unique/i.test(error.message);
}
