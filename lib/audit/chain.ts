// The hash chain: what an event's hash covers, and how chains are named. Pure functions, shared by
// appending (record.ts) and verifying (verify.ts). Changing anything here changes every hash, so
// every stored chain would fail verification: the unit tests pin the format with a fixed vector.

import { createHash, createHmac, randomBytes, randomInt } from "node:crypto";
import { canonicalJson } from "./canonical-json";

/**
 * A chain: "org:<orgId>" for one organization's events, "platform:<shard>" (0 to
 * PLATFORM_CHAIN_SHARDS - 1) for events of no organization. "platform" is the one platform chain of
 * the events recorded before the platform was sharded (decision 0036): it still verifies, and gets no
 * new events.
 */
export type AuditChain = "platform" | `platform:${number}` | `org:${string}`;

/**
 * How many chains the events of no organization are spread over (decision 0036). Every sign-in,
 * failed sign-in, sign-up and reset is such an event, so one chain (one lock) would cap the whole
 * deployment's sign-in rate. Raising it later is safe (new events go to more chains; the old ones
 * still verify); so is lowering it. Each shard is a chain like any other.
 */
export const PLATFORM_CHAIN_SHARDS = 64;

/** The database enum "AuditActorType" (prisma/schema.prisma). */
export type AuditActorType = "USER" | "SYSTEM" | "ANONYMOUS";

/** The prevHash of a chain's first event. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * Key of the transaction-scoped advisory lock that serializes appends per chain, used as
 * pg_advisory_xact_lock(AUDIT_LOCK_NAMESPACE, hashtext(chain)). The same literal is in the retention
 * function (prisma/migrations/*_audit_log). 1635083380 is "audt" in ASCII.
 */
export const AUDIT_LOCK_NAMESPACE = 1635083380;

/** Prefix of an actorId or user targetId that a user's hard delete replaced (audit_pseudonymize_user). */
export const PSEUDONYM_PREFIX = "pseudonym:";

/**
 * Prefix of a value erased from a version 3 event (its client address or user agent after
 * AUDIT_CLIENT_RETENTION_DAYS, an organization's name in metadata once the account that alone held it
 * is deleted): "redacted:" + the keyed reference the hash covers, so the chain still verifies.
 */
export const REDACTED_PREFIX = "redacted:";

/** A UUID in its text form: how the audit log tells a User.id from a name or a pseudonym. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The canonical form recordAuditEvent hashes new events with (the row's hashVersion):
 * 1: the target enters as targetId itself (events recorded before the audit_target_pseudonym migration);
 * 2: the target enters as the SHA-256 of targetId, like the actor, and the version is covered too;
 * 3: every field that can name a person (actor, target, client address, user agent, each top-level
 *    metadata value) enters as its HMAC-SHA256 under AUDIT_PSEUDONYM_KEY (`keyedRef`), so each can be
 *    replaced by "pseudonym:"/"redacted:" + that reference and the chain still verifies, while no one
 *    without the key can tell whose id or which address a reference stands for (decision 0040).
 */
export const AUDIT_HASH_VERSION = 3;
export const AUDIT_HASH_VERSIONS = [1, 2, 3] as const;

/**
 * The chain an event goes to: its organization's, else a platform shard picked by a stable hash of
 * the user the event is about (`subject`: the acting user, else the user it was done to), so one
 * user's platform events stay in one chain, in order. An event about no user (a failed sign-in for
 * an unknown address, a system job's) goes to a random shard: a flood of them, whatever addresses
 * it comes from, spreads over every shard instead of queueing behind one lock.
 */
export function auditChainOf(orgId: string | null, subject: string | null = null): AuditChain {
  if (orgId !== null) return `org:${orgId}`;
  const shard =
    subject === null
      ? randomInt(PLATFORM_CHAIN_SHARDS)
      : createHash("sha256").update(subject, "utf8").digest().readUInt32BE(0) % PLATFORM_CHAIN_SHARDS;
  return `platform:${shard}`;
}

/** The fields an event's hash covers: all of them except the hash itself. */
export interface ChainedEvent {
  id: string;
  chain: string;
  seq: number;
  at: Date;
  actorType: AuditActorType;
  actorId: string | null;
  actorIp: string | null;
  actorUserAgent: string | null;
  orgId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  metadata: Record<string, unknown>;
  requestId: string | null;
  prevHash: string;
  /** Which canonical form the hash covers (AUDIT_HASH_VERSION for new events). */
  hashVersion: number;
}

/**
 * SHA-256 (hex) of the event's canonical JSON, in the form its hashVersion names. Version 3 needs the
 * pseudonym key (AUDIT_PSEUDONYM_KEY); versions 1 and 2 ignore it. The actor (both
 * versions) and the target (version 2) enter as the SHA-256 of their id rather than the id itself, so
 * pseudonymizing a deleted user (the id becomes "pseudonym:" + that same SHA-256) keeps the chain
 * valid, while replacing them by anyone else still breaks it. Version 2 also covers the version, so
 * relabelling a row as version 1 breaks it. Throws RangeError for a version it does not know.
 */
export function auditEventHash(event: ChainedEvent, pseudonymKey?: string): string {
  // Named one by one: a row read from the database carries more (its hash), which must not count.
  const common = {
    id: event.id,
    chain: event.chain,
    seq: event.seq,
    at: event.at,
    actorType: event.actorType,
    actorRef: pseudonymRef(event.actorId),
    actorIp: event.actorIp,
    actorUserAgent: event.actorUserAgent,
    orgId: event.orgId,
    action: event.action,
    targetType: event.targetType,
    metadata: event.metadata,
    requestId: event.requestId,
    prevHash: event.prevHash,
  };
  switch (event.hashVersion) {
    case 1:
      return sha256Hex(canonicalJson({ ...common, targetId: event.targetId }));
    case 2:
      return sha256Hex(canonicalJson({ ...common, hashVersion: 2, targetRef: pseudonymRef(event.targetId) }));
    case 3: {
      if (!pseudonymKey) {
        throw new TypeError("auditEventHash: hashVersion 3 needs the pseudonym key (AUDIT_PSEUDONYM_KEY).");
      }
      const { actorIp: _ip, actorUserAgent: _userAgent, metadata: _metadata, ...rest } = common;
      return sha256Hex(
        canonicalJson({
          ...rest,
          hashVersion: 3,
          actorRef: keyedRef(event.actorId, PSEUDONYM_PREFIX, pseudonymKey),
          targetRef: keyedRef(event.targetId, PSEUDONYM_PREFIX, pseudonymKey),
          actorIpRef: keyedRef(event.actorIp, REDACTED_PREFIX, pseudonymKey),
          actorUserAgentRef: keyedRef(event.actorUserAgent, REDACTED_PREFIX, pseudonymKey),
          metadataRefs: Object.fromEntries(
            Object.entries(event.metadata).map(([key, value]) => [key, metadataRef(value, pseudonymKey)]),
          ),
        }),
      );
    }
    default:
      throw new RangeError(
        `auditEventHash: unknown hashVersion ${JSON.stringify(event.hashVersion)} (known: ${AUDIT_HASH_VERSIONS.join(", ")}).`,
      );
  }
}

/** The SHA-256 an id enters the hash as: the one a pseudonym already carries, else the id's own. */
function pseudonymRef(id: string | null): string | null {
  if (id === null) return null;
  return id.startsWith(PSEUDONYM_PREFIX) ? id.slice(PSEUDONYM_PREFIX.length) : sha256Hex(id);
}

/** "pseudonym:" or "redacted:" followed by a 64-hex reference. */
const KEYED_VALUE = /^(pseudonym|redacted):([0-9a-f]{64})$/;

/**
 * The reference a version 3 event's field enters its hash as: the one a replaced value ("pseudonym:"
 * for ids, "redacted:" for the rest) already carries, else HMAC-SHA256(key, value).
 */
function keyedRef(value: string | null, prefix: string, key: string): string | null {
  if (value === null) return null;
  const replaced = KEYED_VALUE.exec(value);
  if (replaced && `${replaced[1]}:` === prefix) return replaced[2] ?? null;
  return hmacHex(key, value);
}

/** A metadata value enters as the HMAC of its canonical JSON, or as the reference a redacted one carries. */
function metadataRef(value: unknown, key: string): string {
  if (typeof value === "string") {
    const replaced = KEYED_VALUE.exec(value);
    if (replaced?.[1] === "redacted") return replaced[2] as string;
  }
  return hmacHex(key, canonicalJson(value));
}

/** A deleted user's id in version 3 events: "pseudonym:" + HMAC-SHA256(key, id). Same user, same pseudonym. */
export function keyedPseudonym(userId: string, key: string): string {
  return `${PSEUDONYM_PREFIX}${hmacHex(key, userId)}`;
}

/** What replaces a client address or user agent in a version 3 event: "redacted:" + its reference. */
export function redactedText(value: string, key: string): string {
  return `${REDACTED_PREFIX}${hmacHex(key, value)}`;
}

/** What replaces a metadata value in a version 3 event: "redacted:" + the reference of its canonical JSON. */
export function redactedMetadataValue(value: unknown, key: string): string {
  return `${REDACTED_PREFIX}${metadataRef(value, key)}`;
}

/** Whether a stored value is already a pseudonym or a redaction (nothing left to erase). */
export function isKeyedReplacement(value: unknown): boolean {
  return typeof value === "string" && KEYED_VALUE.test(value);
}

function hmacHex(key: string, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("hex");
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * A UUID version 7 (RFC 9562: 48-bit Unix milliseconds, then random bits) for the event id. Made here
 * rather than by the database because the id is part of the hash computed before the insert.
 */
export function uuidv7(at: Date): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(at.getTime(), 0, 6);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x70, 6); // version 7
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8); // RFC 9562 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
