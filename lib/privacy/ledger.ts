import "server-only";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { auditPseudonymOf } from "../audit";
import { createPrismaClient, getDb, type Prisma, type PrismaClient } from "../db";
import { logger } from "../log";
import { hardDeleteAccount } from "./deletion";

// The deletion ledger (decision 0040): restoring a backup taken before a hard delete must not bring
// the person back. Each hard delete adds the keyed pseudonym of the user id (no id, no address) to
// the DeletionLedgerEntry table, in its transaction; the account-deletion job then copies the table
// to <BACKUP_DIR>/deletion-ledger.jsonl, beside the backups, out of reach of the restore that replaces
// the database. `npm run restore` and the drill call reapplyDeletionLedger once the data is back:
// every account of the restored data whose pseudonym is in the ledger is deleted again, before the
// app serves traffic.

/** The ledger file's name, in the backup directory. One JSON object per line. */
export const DELETION_LEDGER_FILE = "deletion-ledger.jsonl";

const entrySchema = z.object({
  pseudonym: z.string().regex(/^pseudonym:[0-9a-f]{64}$/),
  deletedAt: z.iso.datetime(),
});
export type DeletionLedgerEntry = z.infer<typeof entrySchema>;

/** Adds the deleted user to the ledger: call it in the hard delete's transaction. */
export async function recordDeletionInLedger(
  tx: Prisma.TransactionClient,
  userId: string,
  deletedAt: Date,
): Promise<void> {
  await tx.deletionLedgerEntry.upsert({
    where: { pseudonym: auditPseudonymOf(userId) },
    create: { pseudonym: auditPseudonymOf(userId), deletedAt },
    update: {},
  });
}

/** The entries of a ledger file, or none when there is no file yet. A damaged line stops the read. */
export async function readDeletionLedgerFile(dir: string): Promise<DeletionLedgerEntry[]> {
  let text: string;
  try {
    text = await readFile(path.join(dir, DELETION_LEDGER_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, index) => {
      const parsed = entrySchema.safeParse(JSON.parse(line));
      if (!parsed.success) {
        throw new Error(
          `${DELETION_LEDGER_FILE} line ${index + 1} is not a ledger entry; fix or restore the file.`,
        );
      }
      return parsed.data;
    });
}

/**
 * Writes the ledger to `<dir>/deletion-ledger.jsonl`: the database's entries and the file's (a
 * file never loses an entry, even after a restore emptied the table), through a temporary file and
 * a rename, so a reader sees the old file or the new one. Returns how many entries it holds.
 */
export async function writeDeletionLedgerFile(dir: string, db: PrismaClient = getDb()): Promise<number> {
  const merged = new Map<string, string>();
  for (const entry of await readDeletionLedgerFile(dir)) merged.set(entry.pseudonym, entry.deletedAt);
  const rows = await db.deletionLedgerEntry.findMany({ orderBy: { deletedAt: "asc" } });
  for (const row of rows)
    if (!merged.has(row.pseudonym)) merged.set(row.pseudonym, row.deletedAt.toISOString());
  const lines = [...merged].map(([pseudonym, deletedAt]) => JSON.stringify({ pseudonym, deletedAt }));
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, DELETION_LEDGER_FILE);
  const temporary = `${target}.${randomUUID()}.tmp`;
  await writeFile(temporary, lines.length > 0 ? `${lines.join("\n")}\n` : "", { mode: 0o600 });
  await rename(temporary, target);
  return merged.size;
}

export interface ReapplyResult {
  /** Entries in the ledger (the file's and the restored table's together). */
  ledgerEntries: number;
  /** Accounts of the restored data found in the ledger and deleted again. */
  deletedAgain: number;
}

/**
 * After a restore into `targetUrl`: puts the ledger file's entries (from `ledgerDir`, where the
 * backups are) into the restored table, then deletes again every account whose pseudonym the ledger
 * holds, with the hard delete's own steps (lib/privacy hardDeleteAccount, without its calls to
 * Stripe, which were made the first time). Run it before the app serves traffic from the restored
 * database: `npm run restore` and the drill do.
 */
export async function reapplyDeletionLedger(options: {
  targetUrl: string;
  ledgerDir: string;
  now?: Date;
}): Promise<ReapplyResult> {
  const fromFile = await readDeletionLedgerFile(options.ledgerDir);
  const db = createPrismaClient({ DATABASE_URL: options.targetUrl, DATABASE_POOL_MAX: 2 });
  try {
    for (const entry of fromFile) {
      await db.deletionLedgerEntry.upsert({
        where: { pseudonym: entry.pseudonym },
        create: { pseudonym: entry.pseudonym, deletedAt: new Date(entry.deletedAt) },
        update: {},
      });
    }
    const ledger = new Set(
      (await db.deletionLedgerEntry.findMany({ select: { pseudonym: true } })).map((e) => e.pseudonym),
    );
    // The pseudonym is keyed: recompute it for each restored account (ids only, in batches).
    let deletedAgain = 0;
    let cursor: string | undefined;
    for (;;) {
      const users = await db.user.findMany({
        select: { id: true },
        orderBy: { id: "asc" },
        take: 1000,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      for (const { id } of users) {
        if (!ledger.has(auditPseudonymOf(id))) continue;
        const done = await hardDeleteAccount(id, { db, now: options.now, reapply: true });
        if (done) deletedAgain += 1;
      }
      if (users.length < 1000) break;
      cursor = users.at(-1)?.id;
    }
    if (deletedAgain > 0)
      logger.warn({ deletedAgain }, "restore: deleted accounts deleted again from the ledger");
    return { ledgerEntries: ledger.size, deletedAgain };
  } finally {
    await db.$disconnect();
  }
}
