import "server-only";
import { z } from "zod";
import { getDb, type PrismaClient } from "@/lib/db";
import { parseEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { type AuditConfig, auditEnvSchema } from "./config";
import type { AuditDb } from "./record";
import { pseudonymizeKeyedAuditUser } from "./redact";

/** The audit settings, read from `env` on each call. Throws InvalidEnvironmentError naming a bad value. */
export function readAuditConfig(env: Record<string, string | undefined> = process.env): AuditConfig {
  return parseEnv(auditEnvSchema, env);
}

export interface PruneAuditEventsOptions {
  /** Delete events recorded before this instant. Default: AUDIT_RETENTION_DAYS days ago. */
  olderThan?: Date;
  /** Prune only this chain ("platform" or "org:<orgId>"); default: every chain. */
  chain?: string;
  db?: PrismaClient;
}

export interface PruneResult {
  cutoff: Date;
  /** Events deleted, all chains together. */
  pruned: number;
  /** One entry per chain that lost events: where its new checkpoint is. */
  chains: { chain: string; pruned: number; checkpointSeq: number }[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Retention: deletes the events older than `olderThan` from the start of each chain, through the
 * database function audit_prune_chain, the only path the append-only trigger lets a DELETE through.
 * Each chain gets a checkpoint (the seq and hash of its last deleted event), so verifyAuditChains
 * still verifies what remains. Only the oldest run of each chain goes, up to its first event at or
 * after the cutoff, so what remains is always an unbroken chain (had the clock stepped back, a few old
 * events wait for a later run). Run it daily from a scheduled job.
 */
export async function pruneAuditEvents(options: PruneAuditEventsOptions = {}): Promise<PruneResult> {
  const db = options.db ?? getDb();
  const cutoff = options.olderThan ?? new Date(Date.now() - readAuditConfig().AUDIT_RETENTION_DAYS * DAY_MS);
  if (!(cutoff instanceof Date) || Number.isNaN(cutoff.getTime())) {
    throw new TypeError("pruneAuditEvents: olderThan must be a valid Date.");
  }
  if (cutoff.getTime() > Date.now()) {
    throw new RangeError(
      `pruneAuditEvents: olderThan (${cutoff.toISOString()}) is in the future, which would delete events ` +
        "recorded after this call started. Pass a past instant, or leave it out to use AUDIT_RETENTION_DAYS.",
    );
  }
  // UTC strings, not Dates: Prisma writes a Date relative to the session's TimeZone.
  const cutoffUtc = cutoff.toISOString();
  const chains =
    options.chain === undefined
      ? (
          await db.$queryRaw<{ chain: string }[]>`
            SELECT DISTINCT chain FROM "AuditEvent" WHERE at < ${cutoffUtc}::timestamptz ORDER BY chain`
        ).map((row) => row.chain)
      : [options.chain];

  const result: PruneResult = { cutoff, pruned: 0, chains: [] };
  for (const chain of chains) {
    // One transaction per chain (the function call), so a long run never holds every chain's lock.
    const [row] = await db.$queryRaw<{ pruned: bigint; checkpoint_seq: bigint | null }[]>`
      SELECT pruned, checkpoint_seq FROM audit_prune_chain(${chain}, ${cutoffUtc}::timestamptz)`;
    if (!row || row.checkpoint_seq === null) continue;
    const entry = { chain, pruned: Number(row.pruned), checkpointSeq: Number(row.checkpoint_seq) };
    result.chains.push(entry);
    result.pruned += entry.pruned;
    logger.info({ ...entry, cutoff: cutoffUtc }, "audit events pruned by retention");
  }
  return result;
}

const userIdSchema = z.uuid();

export interface PseudonymizedAuditUser {
  /** Events the user performed (their actorId changed). */
  asActor: number;
  /** Events done to the user (a "user" target, hashVersion 2). An event can count in both. */
  asTarget: number;
}

/**
 * For a user's hard delete: replaces their id by a pseudonym in every event they performed (actorId)
 * and every event done to them (the targetId of a "user" target): on version 3 events the keyed
 * pseudonym ("pseudonym:" + HMAC-SHA256(AUDIT_PSEUDONYM_KEY, id), `auditPseudonymOf`), on older ones
 * "pseudonym:<sha256 of the id>" through the database function audit_pseudonymize_user (the trigger
 * lets exactly these changes through and nothing else). The chains stay valid, because an event's
 * hash covers the actor, and from hashVersion 2 the target, as that same reference. Events recorded
 * before hashVersion 2 keep a user target's raw id until retention deletes them. Pass the transaction
 * that deletes the user. Metadata holds no user ids (see recordAuditEvent); its free text, and client
 * details, are lib/audit/redact.ts's.
 */
export async function pseudonymizeAuditUser(
  userId: string,
  tx: AuditDb = getDb(),
): Promise<PseudonymizedAuditUser> {
  if (!userIdSchema.safeParse(userId).success) {
    throw new TypeError(
      `pseudonymizeAuditUser: userId must be a User.id (a UUID), got ${JSON.stringify(userId)}.`,
    );
  }
  // Lowercase, as recordAuditEvent stores a user's id. Versions 1 and 2: the SHA-256 pseudonym, in
  // the database; version 3: the keyed pseudonym, which only the app can compute (lib/audit/redact.ts).
  const [row] = await tx.$queryRaw<{ as_actor: bigint; as_target: bigint }[]>`
    SELECT as_actor, as_target FROM audit_pseudonymize_user(${userId.toLowerCase()})`;
  const keyed = await pseudonymizeKeyedAuditUser(userId, tx);
  return {
    asActor: Number(row?.as_actor ?? BigInt(0)) + keyed.asActor,
    asTarget: Number(row?.as_target ?? BigInt(0)) + keyed.asTarget,
  };
}
