// The hash chain: what an event's hash covers, and how chains are named. Pure functions, shared by
// appending (record.ts) and verifying (verify.ts). Changing anything here changes every hash, so
// every stored chain would fail verification: the unit tests pin the format with a fixed vector.

import { createHash, randomBytes } from "node:crypto";
import { canonicalJson } from "./canonical-json";

/** A chain: "platform" for events of no organization, "org:<orgId>" for one organization's. */
export type AuditChain = "platform" | `org:${string}`;

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

/** Prefix of an actorId that a user's hard delete replaced (see the audit_log migration). */
const PSEUDONYM_PREFIX = "pseudonym:";

export function auditChainOf(orgId: string | null): AuditChain {
  return orgId === null ? "platform" : `org:${orgId}`;
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
}

/**
 * SHA-256 (hex) of the event's canonical JSON. The actor enters as the SHA-256 of actorId rather
 * than the id itself, so pseudonymizing a deleted user (actorId becomes "pseudonym:" + that same
 * SHA-256) keeps the chain valid, while replacing the actor by anyone else still breaks it.
 */
export function auditEventHash(event: ChainedEvent): string {
  // Named one by one: a row read from the database carries more (its hash), which must not count.
  return sha256Hex(
    canonicalJson({
      id: event.id,
      chain: event.chain,
      seq: event.seq,
      at: event.at,
      actorType: event.actorType,
      actorRef: actorRef(event.actorId),
      actorIp: event.actorIp,
      actorUserAgent: event.actorUserAgent,
      orgId: event.orgId,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId,
      metadata: event.metadata,
      requestId: event.requestId,
      prevHash: event.prevHash,
    }),
  );
}

function actorRef(actorId: string | null): string | null {
  if (actorId === null) return null;
  return actorId.startsWith(PSEUDONYM_PREFIX) ? actorId.slice(PSEUDONYM_PREFIX.length) : sha256Hex(actorId);
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
