import "server-only";
import { getDb, Prisma, type PrismaClient } from "@/lib/db";
import { AUDIT_HASH_VERSIONS, type AuditActorType, auditEventHash, GENESIS_HASH } from "./chain";
import { pseudonymKeyOf } from "./config";
import { readAuditConfig } from "./retention";

/** The first broken link found in one chain. */
export interface AuditChainBreak {
  chain: string;
  /** seq of the first event that does not verify. */
  seq: number;
  eventId: string;
  reason: string;
}

export type AuditVerification =
  | { ok: true; checked: number; chains: number }
  /** The top-level chain/seq/eventId/reason are breaks[0]; breaks has the first break of each chain. */
  | ({ ok: false; checked: number; chains: number; breaks: AuditChainBreak[] } & AuditChainBreak);

export interface VerifyAuditChainsOptions {
  /** Verify only this chain ("platform" or "org:<orgId>"); default: every chain. */
  chain?: string;
  db?: PrismaClient;
}

const BATCH_SIZE = 1000;
// A chain is read in one REPEATABLE READ snapshot, so retention running meanwhile can't make events
// vanish between the checkpoint and the events (a false alarm). Long, for chains of millions of events.
const VERIFY_TIMEOUT_MS = 60 * 60 * 1000;

/**
 * Recomputes every hash chain from its start (or its latest retention checkpoint) and reports the
 * first broken link of each: a missing event, an event whose content changed, or a prevHash that does
 * not match. Each event is recomputed in the canonical form its hashVersion names, so a chain whose
 * older events are version 1 and newer ones version 2 verifies. `checked` counts the events that verified.
 */
export async function verifyAuditChains(options: VerifyAuditChainsOptions = {}): Promise<AuditVerification> {
  const db = options.db ?? getDb();
  const chains = options.chain === undefined ? await listChains(db) : [options.chain];
  // Version 3 events hash their personal fields under this key: without the right key they mismatch.
  const pseudonymKey = pseudonymKeyOf(readAuditConfig());
  let checked = 0;
  const breaks: AuditChainBreak[] = [];
  for (const chain of chains) {
    const result = await db.$transaction((tx) => verifyChain(tx, chain, pseudonymKey), {
      isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead,
      timeout: VERIFY_TIMEOUT_MS,
    });
    checked += result.checked;
    if (result.broken) breaks.push(result.broken);
  }
  const [first] = breaks;
  if (first === undefined) return { ok: true, checked, chains: chains.length };
  return { ok: false, checked, chains: chains.length, breaks, ...first };
}

async function listChains(db: PrismaClient): Promise<string[]> {
  const rows = await db.$queryRaw<{ chain: string }[]>`
    SELECT chain FROM "AuditEvent" UNION SELECT chain FROM "AuditCheckpoint" ORDER BY chain`;
  return rows.map((row) => row.chain);
}

/** An AuditEvent row as verification reads it: times as UTC strings, metadata as JSON text. */
interface EventRow {
  id: string;
  chain: string;
  seq: bigint;
  at: string;
  actorType: AuditActorType;
  actorId: string | null;
  actorIp: string | null;
  actorUserAgent: string | null;
  orgId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  metadata: string;
  requestId: string | null;
  prevHash: string;
  hash: string;
  hashVersion: number;
}

async function verifyChain(
  tx: Prisma.TransactionClient,
  chain: string,
  pseudonymKey: string,
): Promise<{ checked: number; broken?: AuditChainBreak }> {
  const [checkpoint] = await tx.$queryRaw<{ seq: bigint; hash: string }[]>`
    SELECT seq, hash FROM "AuditCheckpoint" WHERE chain = ${chain} ORDER BY seq DESC LIMIT 1`;
  let lastSeq = checkpoint?.seq ?? BigInt(0);
  let lastHash = checkpoint?.hash ?? GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await tx.$queryRaw<EventRow[]>`
      SELECT id::text, chain, seq,
             to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
             "actorType"::text AS "actorType", "actorId", "actorIp", "actorUserAgent", "orgId"::text AS "orgId",
             action, "targetType", "targetId", metadata::text AS metadata, "requestId", "prevHash", hash,
             "hashVersion"::int AS "hashVersion"
      FROM "AuditEvent" WHERE chain = ${chain} AND seq > ${lastSeq}::bigint
      ORDER BY seq LIMIT ${BATCH_SIZE}`;
    for (const row of rows) {
      const reason = brokenLink(row, lastSeq, lastHash, pseudonymKey);
      if (reason !== null)
        return { checked, broken: { chain, seq: Number(row.seq), eventId: row.id, reason } };
      lastSeq = row.seq;
      lastHash = row.hash;
      checked += 1;
    }
    if (rows.length < BATCH_SIZE) return { checked };
  }
}

/** Why this event does not continue the chain after (previousSeq, previousHash), or null if it does. */
function brokenLink(
  row: EventRow,
  previousSeq: bigint,
  previousHash: string,
  pseudonymKey: string,
): string | null {
  if (row.seq !== previousSeq + BigInt(1)) {
    return `seq ${row.seq} follows seq ${previousSeq}: events ${previousSeq + BigInt(1)}..${row.seq - BigInt(1)} are missing`;
  }
  if (row.prevHash !== previousHash) {
    return `prevHash does not match the hash of seq ${previousSeq}: events before it were rewritten or replaced`;
  }
  if (!(AUDIT_HASH_VERSIONS as readonly number[]).includes(row.hashVersion)) {
    return `hashVersion ${row.hashVersion} is not one this version of the app knows (${AUDIT_HASH_VERSIONS.join(", ")})`;
  }
  const recomputed = auditEventHash(
    {
      ...row,
      seq: Number(row.seq),
      at: new Date(row.at),
      metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    },
    pseudonymKey,
  );
  if (recomputed !== row.hash) return "hash mismatch: the event's content was changed after it was recorded";
  return null;
}
