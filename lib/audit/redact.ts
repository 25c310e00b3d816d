import "server-only";
import { getDb, type PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { AUDIT_FREE_TEXT_METADATA } from "./actions";
import { isKeyedReplacement, keyedPseudonym, redactedMetadataValue, redactedText } from "./chain";
import { pseudonymKeyOf } from "./config";
import type { AuditDb } from "./record";
import { readAuditConfig } from "./retention";

// Erasing personal data from version 3 events (decision 0040). Their hash covers each such field as
// a keyed reference (lib/audit/chain.ts), so replacing the value by "pseudonym:"/"redacted:" + that
// reference leaves the chain verifiable. The database function audit_redact_events applies the
// changes; its trigger lets exactly these replacements through. Events before version 3 are not
// touched here: their hashes cover the raw values (SHA-256 pseudonyms, retention for the rest).

/** One event's replacements, as audit_redact_events takes them: each key present is the new value. */
interface Redaction {
  id: string;
  actorId?: string;
  targetId?: string;
  actorIp?: string | null;
  actorUserAgent?: string | null;
  metadata?: Record<string, unknown>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** What isKeyedReplacement accepts, for SQL: a value already erased. */
const KEYED_VALUE_SQL = "^(pseudonym|redacted):[0-9a-f]{64}$";
const BATCH_SIZE = 500;

/** The keyed pseudonym of a deleted user in version 3 events (and the target of `account.deleted`). */
export function auditPseudonymOf(userId: string): string {
  return keyedPseudonym(userId.toLowerCase(), pseudonymKeyOf(readAuditConfig()));
}

async function applyRedactions(db: AuditDb, redactions: Redaction[]): Promise<number> {
  if (redactions.length === 0) return 0;
  const [row] = await db.$queryRaw<{ changed: bigint }[]>`
    SELECT audit_redact_events(${JSON.stringify(redactions)}::jsonb) AS changed`;
  return Number(row?.changed ?? BigInt(0));
}

/**
 * A deleted user's id becomes their keyed pseudonym in the version 3 events they performed or that
 * were done to them (a "user" target). Returns the events changed as actor and as target.
 */
export async function pseudonymizeKeyedAuditUser(
  userId: string,
  tx: AuditDb,
): Promise<{ asActor: number; asTarget: number }> {
  const id = userId.toLowerCase();
  const pseudonym = auditPseudonymOf(id);
  const rows = await tx.$queryRaw<{ id: string; asActor: boolean; asTarget: boolean }[]>`
    SELECT id::text,
           ("actorType" = 'USER' AND "actorId" = ${id}) AS "asActor",
           ("targetType" = 'user' AND "targetId" = ${id}) AS "asTarget"
    FROM "AuditEvent"
    WHERE "hashVersion" >= 3
      AND (("actorType" = 'USER' AND "actorId" = ${id}) OR ("targetType" = 'user' AND "targetId" = ${id}))`;
  await applyRedactions(
    tx,
    rows.map((row) => ({
      id: row.id,
      ...(row.asActor ? { actorId: pseudonym } : {}),
      ...(row.asTarget ? { targetId: pseudonym } : {}),
    })),
  );
  return {
    asActor: rows.filter((row) => row.asActor).length,
    asTarget: rows.filter((row) => row.asTarget).length,
  };
}

/**
 * Redacts the free-text metadata (AUDIT_FREE_TEXT_METADATA) of the version 3 events about a deleted
 * user (as actor or target, by their id or their pseudonym) and of the events of the organizations
 * deleted with their account. Call it in the hard delete's transaction. Returns the events changed.
 */
export async function redactAuditFreeText(
  { userId, orgIds }: { userId: string; orgIds: string[] },
  tx: AuditDb = getDb(),
): Promise<number> {
  const id = userId.toLowerCase();
  const ids = [id, auditPseudonymOf(id)];
  const actions = Object.keys(AUDIT_FREE_TEXT_METADATA);
  const rows = await tx.$queryRaw<
    { id: string; action: keyof typeof AUDIT_FREE_TEXT_METADATA; metadata: string }[]
  >`
    SELECT id::text, action, metadata::text AS metadata FROM "AuditEvent"
    WHERE "hashVersion" >= 3 AND action = ANY(${actions}::text[])
      AND (("actorType" = 'USER' AND "actorId" = ANY(${ids}::text[]))
        OR ("targetType" = 'user' AND "targetId" = ANY(${ids}::text[]))
        OR "orgId" = ANY(${orgIds}::uuid[]))`;
  const key = pseudonymKeyOf(readAuditConfig());
  const redactions: Redaction[] = [];
  for (const row of rows) {
    const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
    let changed = false;
    for (const field of AUDIT_FREE_TEXT_METADATA[row.action]) {
      if (!(field in metadata) || isKeyedReplacement(metadata[field])) continue;
      metadata[field] = redactedMetadataValue(metadata[field], key);
      changed = true;
    }
    if (changed) redactions.push({ id: row.id, metadata });
  }
  return applyRedactions(tx, redactions);
}

export interface RedactClientDetailsResult {
  cutoff: Date;
  /** Events whose client address and user agent were redacted. */
  redacted: number;
}

/**
 * Client-details retention: the IP address and user agent of version 3 events older than
 * AUDIT_CLIENT_RETENTION_DAYS (or `olderThan`) become "redacted:<ref>"; the event, and the chain,
 * stay until AUDIT_RETENTION_DAYS. Runs daily (the audit-client-retention job), in batches.
 */
export async function redactAuditClientDetails(
  options: { olderThan?: Date; db?: PrismaClient; batchSize?: number } = {},
): Promise<RedactClientDetailsResult> {
  const db = options.db ?? getDb();
  const config = readAuditConfig();
  const key = pseudonymKeyOf(config);
  const cutoff = options.olderThan ?? new Date(Date.now() - config.AUDIT_CLIENT_RETENTION_DAYS * DAY_MS);
  const cutoffUtc = cutoff.toISOString();
  let redacted = 0;
  for (;;) {
    const rows = await db.$queryRaw<{ id: string; actorIp: string | null; actorUserAgent: string | null }[]>`
      SELECT id::text, "actorIp", "actorUserAgent" FROM "AuditEvent"
      WHERE "hashVersion" >= 3 AND at < ${cutoffUtc}::timestamptz
        AND (("actorIp" IS NOT NULL AND "actorIp" !~ ${KEYED_VALUE_SQL})
          OR ("actorUserAgent" IS NOT NULL AND "actorUserAgent" !~ ${KEYED_VALUE_SQL}))
      ORDER BY at LIMIT ${options.batchSize ?? BATCH_SIZE}`;
    if (rows.length === 0) break;
    const erase = (value: string | null) =>
      value === null || isKeyedReplacement(value) ? value : redactedText(value, key);
    const changed = await applyRedactions(
      db,
      rows.map((row) => ({
        id: row.id,
        actorIp: erase(row.actorIp),
        actorUserAgent: erase(row.actorUserAgent),
      })),
    );
    redacted += changed;
    if (changed === 0) break;
  }
  if (redacted > 0)
    logger.info({ redacted, cutoff: cutoffUtc }, "audit client details redacted by retention");
  return { cutoff, redacted };
}
