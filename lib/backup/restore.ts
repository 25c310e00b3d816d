// `npm run restore`: checks a backup against its manifest, decrypts it as a stream into pg_restore,
// then checks what was restored against the manifest.
//
// Order matters: every check that can refuse (checksum, identity, format, non-empty target) runs
// before anything is written to the target. pg_restore runs with --single-transaction, so a failure
// part-way (including a chunk that fails authentication while streaming) leaves nothing restored.
//
// Backups are age files (decision 0039); format-1 files (Shipshape's own AES-256-GCM format, `.dump.enc`)
// are still read during the transition, and the result says which one was read.

import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ReapplyResult, reapplyDeletionLedger } from "../privacy";
import { ageDecryptStage, checkAgeHeader, isAgeFile } from "./age";
import type { RestoreKeys } from "./config";
import {
  databaseNameOf,
  databaseStats,
  EXCLUDED_SCHEMAS,
  listTables,
  quoteIdentifier,
  resetPublicSchema,
  schemaVersion,
  withConnection,
} from "./database";
import { BackupError } from "./errors";
import { createDecryptStream, readBackupHeader } from "./format";
import {
  type BackupFormat,
  type BackupManifest,
  readManifest,
  resolveBackupPaths,
  type TableStats,
} from "./manifest";
import { findPgTool, libpqConnection, startTool, toolMajorVersion } from "./pg-tools";

export interface RestoreOptions {
  /** The backup (*.dump.age, or *.dump.enc from before age) or its manifest; the other is found beside it. */
  input: string;
  targetUrl: string;
  /** What may decrypt it (requireRestoreKeys): age identities or passphrase, format 1's keyring. */
  keys: RestoreKeys;
  /** Restore into a database that already has tables: its public schema is dropped first. */
  force?: boolean;
  /**
   * Skip the sha256 pass over the file (one read less for a very large backup). Every chunk is
   * still authenticated while it is decrypted, so damage is still refused, only later.
   */
  skipChecksum?: boolean;
  pgBinDir?: string;
  /** Called as the encrypted file is read, for a progress display. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Runs after pg_restore, before the verification. The drill's tests use it to tamper with data. */
  beforeVerify?: (targetUrl: string) => Promise<void>;
}

export interface TableMismatch {
  table: string;
  problem: "missing" | "unexpected" | "rows" | "content";
  expected?: TableStats;
  actual?: TableStats;
}

export interface Verification {
  ok: boolean;
  schemaVersion: { expected: string | null; actual: string | null; ok: boolean };
  /** Tables and rows the manifest lists. */
  tables: number;
  rows: number;
  mismatches: TableMismatch[];
}

export interface RestoreResult {
  filePath: string;
  /** "age", or 1 for a format-1 backup read during the transition (the CLI says so). */
  format: BackupFormat;
  manifest: BackupManifest;
  verification: Verification;
  /** The deletion ledger re-applied to the restored data (lib/privacy, decision 0040). */
  erasure: ReapplyResult;
  durationMs: number;
}

/** Compares the encrypted file's size and sha256 with the manifest's. */
export async function verifyChecksum(filePath: string, manifest: BackupManifest): Promise<void> {
  const { size } = await stat(filePath);
  let actual = "";
  if (size === manifest.encrypted.bytes) {
    const digest = createHash("sha256");
    for await (const chunk of createReadStream(filePath)) digest.update(chunk as Buffer);
    actual = digest.digest("hex");
    if (actual === manifest.encrypted.sha256) return;
  }
  const found = actual ? `sha256 ${actual}` : `${size} bytes`;
  const expected = actual ? `sha256 ${manifest.encrypted.sha256}` : `${manifest.encrypted.bytes} bytes`;
  throw new BackupError(
    "checksum-mismatch",
    `checksum mismatch: ${filePath} has ${found}, its manifest says ${expected}. The file was damaged ` +
      "or changed after it was written; restore another backup (or another copy of this one).",
  );
}

/**
 * The file's format, from its first bytes; refuses what is neither an age file nor a format-1 one.
 * Upload runs it too, so nothing unencrypted ever leaves the server.
 */
export async function detectBackupFormat(filePath: string): Promise<BackupFormat> {
  if (await isAgeFile(filePath)) return "age";
  await readBackupHeader(filePath).catch((error: unknown) => {
    if (error instanceof BackupError && error.code === "not-a-backup") {
      throw new BackupError(
        "not-a-backup",
        `not a backup: ${filePath} is neither an age file (age-encryption.org/v1) nor a format-1 ` +
          "Shipshape backup. Pass the .dump.age file that `npm run backup` wrote, or its manifest.",
      );
    }
    throw error;
  });
  return 1;
}

/** The age recipients a manifest records (none for format 1 or a passphrase), for error messages. */
function recipientsOf(manifest: BackupManifest): string[] {
  return manifest.manifestVersion === 2 ? manifest.encryption.recipients : [];
}

/** Proves the keys open the file (identity, or format 1's key id and key check) without reading its payload. */
async function checkKeysOpen(
  filePath: string,
  format: BackupFormat,
  keys: RestoreKeys,
  manifest: BackupManifest,
) {
  if (format === 1) {
    await readBackupHeader(filePath, keys.keyring);
    return;
  }
  await checkAgeHeader(() => createReadStream(filePath), keys, recipientsOf(manifest));
}

/** Checks the restored (or any) database against a manifest: tables, row counts, content, migration. */
export async function verifyDatabase(url: string, manifest: BackupManifest): Promise<Verification> {
  const { actual, migration } = await withConnection(url, async (client) => ({
    actual: await databaseStats(client),
    migration: await schemaVersion(client),
  }));
  const mismatches: TableMismatch[] = [];
  for (const [table, expected] of Object.entries(manifest.tables)) {
    const found = actual[table];
    if (!found) mismatches.push({ table, problem: "missing", expected });
    else if (found.rows !== expected.rows)
      mismatches.push({ table, problem: "rows", expected, actual: found });
    else if (found.contentHash !== expected.contentHash) {
      mismatches.push({ table, problem: "content", expected, actual: found });
    }
  }
  for (const [table, found] of Object.entries(actual)) {
    if (!(table in manifest.tables)) mismatches.push({ table, problem: "unexpected", actual: found });
  }
  const expectedVersion = manifest.database.schemaVersion;
  const schemaOk = migration === expectedVersion;
  return {
    ok: schemaOk && mismatches.length === 0,
    schemaVersion: { expected: expectedVersion, actual: migration, ok: schemaOk },
    tables: Object.keys(manifest.tables).length,
    rows: Object.values(manifest.tables).reduce((sum, table) => sum + table.rows, 0),
    mismatches,
  };
}

/** One line per problem a verification found, for the CLIs. */
export function describeProblems(verification: Verification): string[] {
  const lines: string[] = [];
  const { expected, actual, ok } = verification.schemaVersion;
  if (!ok) {
    lines.push(
      `schema version mismatch: the backup is at migration ${expected ?? "(none)"}, the restored database ` +
        `is at ${actual ?? "(none)"}`,
    );
  }
  for (const mismatch of verification.mismatches) {
    const { table, expected: want, actual: got } = mismatch;
    lines.push(
      {
        missing: `table ${table}: in the backup, missing after restore`,
        unexpected: `table ${table}: present after restore, not in the backup`,
        rows: `table ${table}: ${want?.rows} rows in the backup, ${got?.rows} after restore`,
        content: `table ${table}: same row count (${got?.rows}), different content (hash ${want?.contentHash} → ${got?.contentHash})`,
      }[mismatch.problem],
    );
  }
  return lines;
}

/** Refuses a target with tables in public unless `force`, which empties the public schema first. */
async function prepareTarget(targetUrl: string, force: boolean): Promise<void> {
  await withConnection(targetUrl, async (client) => {
    const tables = await listTables(client);
    if (tables.length === 0) return;
    if (!force) {
      const examples = tables.slice(0, 3).join(", ");
      throw new BackupError(
        "target-not-empty",
        `target database ${databaseNameOf(targetUrl)} is not empty (${tables.length} tables in its public ` +
          `schema, such as ${examples}). Restore into an empty database, or pass --force to drop its public ` +
          "schema and everything in it first.",
      );
    }
    await resetPublicSchema(client);
    // The target's job queue belongs to the data being replaced; the backup carries none.
    for (const schema of EXCLUDED_SCHEMAS)
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  });
}

/** Decrypts the file as a stream into pg_restore, in one transaction. */
async function streamIntoPgRestore(
  options: RestoreOptions,
  filePath: string,
  format: BackupFormat,
  manifest: BackupManifest,
) {
  const archiveMajor = toolMajorVersion(manifest.tools.pgDump) ?? 0;
  const pgRestore = await findPgTool("pg_restore", archiveMajor, options.pgBinDir);
  const { dbname, env } = libpqConnection(options.targetUrl);
  // --no-owner/--no-acl: the objects belong to the user restoring, so a backup restores into a new
  // server whose roles differ from the old one's (the usual disaster case).
  const restore = startTool(
    pgRestore,
    ["--no-password", "--single-transaction", "--no-owner", "--no-acl", `--dbname=${dbname}`],
    env,
  );
  restore.child.stdout?.resume();
  // On a decryption error, kill pg_restore before the pipeline closes its stdin: pg_restore never
  // gets to see the end of its input, so it cannot mistake a cut-off archive for a whole one.
  const stopRestore = () => restore.child.kill("SIGKILL");
  let decrypt: Transform | ReturnType<typeof ageDecryptStage>;
  if (format === "age") {
    decrypt = ageDecryptStage(options.keys, recipientsOf(manifest), stopRestore);
  } else {
    decrypt = createDecryptStream(options.keys.keyring);
    decrypt.once("error", stopRestore);
  }
  const totalBytes = manifest.encrypted.bytes;
  let bytesRead = 0;
  const progress = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesRead += chunk.length;
      options.onProgress?.(bytesRead, totalBytes);
      callback(null, chunk);
    },
  });
  const feeding = pipeline(
    createReadStream(filePath),
    progress,
    decrypt,
    restore.child.stdin as NodeJS.WritableStream,
  );
  const [fed, restored] = await Promise.allSettled([feeding, restore.exited]);
  // A decryption error says what is wrong with the file; pg_restore's error then is only its echo.
  if (fed.status === "rejected" && fed.reason instanceof BackupError) throw fed.reason;
  if (restored.status === "rejected") throw restored.reason;
  if (fed.status === "rejected") throw fed.reason;
}

/** Checks, restores and verifies one backup. A failed verification is returned, not thrown. */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const startedAt = Date.now();
  const { filePath, manifestPath } = resolveBackupPaths(options.input);
  const manifest = await readManifest(manifestPath);
  if (!existsSync(filePath)) {
    throw new BackupError(
      "config",
      `the backup ${filePath} is missing beside its manifest; copy it from where the backup was stored.`,
    );
  }
  if (!options.skipChecksum) await verifyChecksum(filePath, manifest);
  // The header says who can open the file: refuse a wrong identity or key before touching the target.
  const format = await detectBackupFormat(filePath);
  await checkKeysOpen(filePath, format, options.keys, manifest);
  await prepareTarget(options.targetUrl, options.force ?? false);
  await streamIntoPgRestore(options, filePath, format, manifest);
  // pg_restore does not gather planner statistics; without them the first queries plan badly.
  await withConnection(options.targetUrl, (client) => client.query("ANALYZE"));
  await options.beforeVerify?.(options.targetUrl);
  const verification = await verifyDatabase(options.targetUrl, manifest);

  // ---- After restore, before serving ----------------------------------------------------------
  // The data now equals the backup as it was dumped (the verification compared it with the
  // manifest). Steps that must change restored data before the app serves it go here, and only
  // here, so `npm run restore` and the drill both run them. They run after the verification, which
  // describes the dump.
  //
  // Accounts deleted since the backup was taken go again (decision 0040). The ledger file is beside
  // the backups (lib/privacy writes it after each account-deletion run).
  const erasure = await reapplyDeletionLedger({
    targetUrl: options.targetUrl,
    ledgerDir: path.dirname(filePath),
  });
  return { filePath, format, manifest, verification, erasure, durationMs: Date.now() - startedAt };
}
