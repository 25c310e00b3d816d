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
  UUID_PATTERN,
  uuidv7,
} from "./chain";
import { pseudonymKeyOf } from "./config";
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
   * metadata). Outside production, an event whose metadata holds an existing User.id is refused.
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
  return {
    chain: auditChainOf(orgIdOrNull),
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
 * Appends one event to its chain: the organization's (input.orgId) or the platform's.
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
  if (process.env.NODE_ENV !== "production") await refuseUserIdsInMetadata(event, tx);
  // A root client has $disconnect; a transaction client has not. (Both have $transaction: on a
  // transaction client it would open a savepoint, two more round trips for nothing.)
  if ("$disconnect" in tx) return tx.$transaction((ownTx) => append(ownTx, event), OWN_TRANSACTION);
  return append(tx, event);
}

interface HeadRow {
  /** Database clock, truncated to milliseconds, as an ISO 8601 UTC string. */
  now: string;
  seq: bigint | null;
  hash: string | null;
}

async function append(tx: Prisma.TransactionClient, event: PreparedEvent): Promise<RecordedAuditEvent> {
  // Serializes appends to this chain until the transaction ends, so two appends never read the same
  // head (which would fork the chain). Other chains are not blocked.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_NAMESPACE}::int4, hashtext(${event.chain}))`;

  // The head is read in a statement of its own, after the lock: in READ COMMITTED each statement sees
  // everything committed before it started, including the append that held the lock before this one.
  // Times travel as UTC strings, never as Prisma Dates, which are read and written relative to the
  // session's TimeZone: the hash must not depend on the server's time zone setting.
  const [head] = await tx.$queryRaw<HeadRow[]>`
    SELECT to_char(date_trunc('milliseconds', clock_timestamp()) AT TIME ZONE 'UTC',
                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now,
           head.seq, head.hash
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      (SELECT seq, hash FROM "AuditEvent" WHERE chain = ${event.chain} ORDER BY seq DESC LIMIT 1)
      UNION ALL
      (SELECT seq, hash FROM "AuditCheckpoint" WHERE chain = ${event.chain} ORDER BY seq DESC LIMIT 1)
      ORDER BY seq DESC LIMIT 1
    ) AS head ON true`;
  if (!head) throw new Error("recordAuditEvent: the chain head query returned no row.");

  const at = new Date(head.now);
  const chained: ChainedEvent = {
    ...event,
    id: uuidv7(at),
    seq: head.seq === null ? 1 : Number(head.seq) + 1,
    at,
    prevHash: head.hash ?? GENESIS_HASH,
    hashVersion: AUDIT_HASH_VERSION,
  };
  const hash = auditEventHash(chained, pseudonymKeyOf(readAuditConfig()));
  try {
    await tx.$executeRaw`
      INSERT INTO "AuditEvent" (id, chain, seq, at, "actorType", "actorId", "actorIp", "actorUserAgent",
        "orgId", action, "targetType", "targetId", metadata, "requestId", "prevHash", hash, "hashVersion")
      VALUES (${chained.id}::uuid, ${chained.chain}, ${chained.seq}::bigint, ${head.now}::timestamptz,
        ${chained.actorType}::"AuditActorType", ${chained.actorId}, ${chained.actorIp},
        ${chained.actorUserAgent}, ${chained.orgId}::uuid, ${chained.action}, ${chained.targetType},
        ${chained.targetId}, ${JSON.stringify(chained.metadata)}::jsonb, ${chained.requestId},
        ${chained.prevHash}, ${hash}, ${chained.hashVersion}::smallint)`;
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
  return { id: chained.id, chain: chained.chain as AuditChain, seq: chained.seq, at, hash };
}

/**
 * The guard that keeps user ids out of metadata, outside production: a user's hard delete
 * pseudonymizes the actor and a "user" target, never metadata, so a User.id there would outlive the
 * user. Checked by value, not by key name (userId, toUserId, requestedBy, a filter's actorId…): any
 * UUID anywhere in the metadata that is an existing User.id is refused. Other UUIDs (organizations,
 * memberships, invitations) pass. Production skips it: it costs a query, and a programming error
 * caught here must not fail a user's action; every audited path runs under the tests.
 */
async function refuseUserIdsInMetadata(event: PreparedEvent, db: AuditDb): Promise<void> {
  const uuids = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string" && UUID_PATTERN.test(value)) uuids.add(value.toLowerCase());
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(event.metadata);
  if (uuids.size === 0) return;
  const users = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM "User" WHERE id = ANY(${[...uuids]}::uuid[])`;
  if (users.length > 0) {
    throw new InvalidAuditEventError(
      `Invalid audit event (${event.action}): metadata holds a User.id (${users.map((user) => user.id).join(", ")}). ` +
        'Make that user the actor or the target ({ type: "user", id }) instead: only those are pseudonymized ' +
        "when the user is deleted.",
    );
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && /\b23505\b|unique/i.test(error.message);
}
