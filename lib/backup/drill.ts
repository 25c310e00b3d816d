// `npm run backup:drill`: proves the backups can be restored. It makes a real backup of the live
// database, restores it with the same code an operator's `npm run restore` runs into a new scratch
// database on the same server, compares every table (row count and content hash) and the migration
// with the manifest, drops the scratch database, and appends the outcome to <BACKUP_DIR>/drills.jsonl,
// where latestDrill() reads it back (for a health or "doctor" check: when did a restore last work?).
// With a bucket configured it uploads that file beside the backups too, since the app server's doctor
// runs where no drill does and reads the bucket's copy (readDrillLogFromBucket).
//
// It needs an identity that opens the backups (BACKUP_IDENTITY_FILE), so it belongs on the restore
// host, not on the app server, which holds only the public recipients (docs/RUNBOOK.md says why).

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createBackup } from "./backup";
import { type BackupConfig, type BackupUploadConfig, requireRestoreKeys } from "./config";
import { createDatabase, dropDatabase, withDatabaseName } from "./database";
import { BackupError } from "./errors";
import { resolveBackupPaths } from "./manifest";
import { describeProblems, restoreBackup, type TableMismatch } from "./restore";
import { describeFailure, hint, type SdkError, s3Client } from "./upload";

export const DRILL_LOG = "drills.jsonl";

export interface DrillOptions {
  /** The live database to back up. */
  databaseUrl: string;
  config: BackupConfig;
  /** Identity files to decrypt with, besides the configured ones (the CLI's `--identity`). */
  identityFiles?: readonly string[];
  /**
   * An existing backup (its file or manifest) to restore instead of making one: on the restore host,
   * the app server's own nightly backup as copied from the bucket. No backup is made, so no retention
   * runs, and `databaseUrl` only names the server when `serverUrl` is not given.
   */
  backup?: string;
  /**
   * Any database on the server where the scratch database is created, connected to as a user allowed
   * to CREATE DATABASE. Default: databaseUrl, so the same server and user.
   */
  serverUrl?: string;
  /** Runs on the scratch database after the restore, before the comparison. For tests. */
  beforeCompare?: (scratchUrl: string) => Promise<void>;
  onProgress?: (phase: "backup" | "restore", bytes: number) => void;
}

/** One line of drills.jsonl. */
export interface DrillRecord {
  /** When the drill started (ISO 8601, UTC). */
  time: string;
  durationMs: number;
  ok: boolean;
  /** The backup it made and restored; null when the backup itself failed. */
  backupFile: string | null;
  /** Older backups the retention policy deleted after the drill's backup (as `npm run backup` does). */
  removed: string[];
  scratchDatabase: string;
  tables: number;
  rows: number;
  schemaVersion: string | null;
  mismatches: TableMismatch[];
  /** What went wrong, one line per problem (empty when ok). */
  problems: string[];
}

/** `shipshape_drill_20250314t093000z_1a2b`: lower case, so it needs no quoting in psql. */
function scratchDatabaseName(startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll(/[-:]/g, "")
    .toLowerCase();
  return `shipshape_drill_${stamp}_${randomBytes(2).toString("hex")}`;
}

/**
 * Runs one drill and records it in `<BACKUP_DIR>/drills.jsonl`, then, when a bucket is configured,
 * uploads that file to `<BACKUP_S3_PREFIX>drills.jsonl`. Resolves with the record whether the drill
 * passed or failed; rejects with a BackupError("upload") when only that upload failed (the record is
 * kept locally), so a scheduler alerts as it does for a failed backup upload.
 */
export async function runDrill(options: DrillOptions): Promise<DrillRecord> {
  const startedAt = new Date();
  const serverUrl = options.serverUrl ?? options.databaseUrl;
  const scratchDatabase = scratchDatabaseName(startedAt);
  const record: DrillRecord = {
    time: startedAt.toISOString(),
    durationMs: 0,
    ok: false,
    backupFile: null,
    removed: [],
    scratchDatabase,
    tables: 0,
    rows: 0,
    schemaVersion: null,
    mismatches: [],
    problems: [],
  };
  let created = false;
  try {
    // Before backing up: a host that cannot decrypt learns it at once, not after a whole backup.
    const keys = await requireRestoreKeys(options.config, options.identityFiles);
    const backup = options.backup
      ? { ...resolveBackupPaths(options.backup), removed: [] }
      : await createBackup({
          databaseUrl: options.databaseUrl,
          config: options.config,
          onProgress: (bytes) => options.onProgress?.("backup", bytes),
          // The drill tests restoring; the daily backup is what goes off-site.
          upload: false,
        });
    record.backupFile = path.basename(backup.filePath);
    record.removed = backup.removed;
    await createDatabase(serverUrl, scratchDatabase);
    created = true;
    const scratchUrl = withDatabaseName(serverUrl, scratchDatabase);
    const { verification } = await restoreBackup({
      input: backup.manifestPath,
      targetUrl: scratchUrl,
      keys,
      pgBinDir: options.config.pgBinDir,
      onProgress: (bytes) => options.onProgress?.("restore", bytes),
      beforeVerify: options.beforeCompare,
    });
    Object.assign(record, {
      ok: verification.ok,
      tables: verification.tables,
      rows: verification.rows,
      schemaVersion: verification.schemaVersion.expected,
      mismatches: verification.mismatches,
      problems: describeProblems(verification),
    });
  } catch (error) {
    record.problems.push(error instanceof Error ? error.message : String(error));
  } finally {
    if (created) {
      await dropDatabase(serverUrl, scratchDatabase).catch((error: unknown) => {
        record.ok = false;
        record.problems.push(
          `could not drop the scratch database ${scratchDatabase}: ${(error as Error).message}`,
        );
      });
    }
  }
  record.durationMs = Date.now() - startedAt.getTime();
  await mkdir(options.config.dir, { recursive: true });
  await appendFile(path.join(options.config.dir, DRILL_LOG), `${JSON.stringify(record)}\n`);
  // The app server's `npm run doctor` cannot see this host's file: it reads the bucket's copy.
  if (options.config.upload) await uploadDrillLog(options.config.dir, options.config.upload);
  return record;
}

/** The records of a drills.jsonl, newest first. Lines that are not JSON (a torn append) are skipped. */
export function parseDrillLog(text: string): DrillRecord[] {
  const records: DrillRecord[] = [];
  for (const line of text.split("\n")) {
    try {
      if (line.trim()) records.push(JSON.parse(line) as DrillRecord);
    } catch {
      // A torn line (a crash while appending) is not a drill.
    }
  }
  return records.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
}

/**
 * The newest drill recorded in `dir` (BACKUP_DIR), or null when none has run. Lines that are not
 * valid JSON (a write cut off by a crash) are skipped.
 */
export async function latestDrill(dir: string): Promise<DrillRecord | null> {
  const file = path.join(dir, DRILL_LOG);
  if (!existsSync(file)) return null;
  const lines = (await readFile(file, "utf8")).split("\n").filter((line) => line.trim() !== "");
  for (const line of lines.reverse()) {
    try {
      return JSON.parse(line) as DrillRecord;
    } catch {
      // A torn last line: the one before it is the latest complete record.
    }
  }
  return null;
}

/** `s3://<bucket>/<prefix>drills.jsonl`: where the drill log lives in the bucket. */
export function drillLogUrl(config: BackupUploadConfig): string {
  return `s3://${config.bucket}/${config.prefix}${DRILL_LOG}`;
}

/**
 * On the restore host, after a drill: replaces the bucket's drill log with `<dir>/drills.jsonl` (the
 * whole file: the app server's doctor reads its newest record). A failure is a BackupError("upload").
 */
export async function uploadDrillLog(dir: string, config: BackupUploadConfig): Promise<string> {
  const url = drillLogUrl(config);
  const client = s3Client(config);
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: `${config.prefix}${DRILL_LOG}`,
        Body: await readFile(path.join(dir, DRILL_LOG)),
        ContentType: "application/x-ndjson",
      }),
    );
    return url;
  } catch (error) {
    throw new BackupError(
      "upload",
      `upload of the drill log to ${url} failed (${describeFailure(error)}). ${hint(error as SdkError, config)} ` +
        `The drill is recorded locally: ${path.join(dir, DRILL_LOG)}.`,
    );
  } finally {
    client.destroy();
  }
}

/**
 * The drill log as the restore host last uploaded it, or null when the bucket holds none (NoSuchKey).
 * Any other failure is a BackupError("upload") naming the cause and what to check: a caller deciding
 * whether drills pass must not read "unreadable" as "fine".
 */
export async function readDrillLogFromBucket(config: BackupUploadConfig): Promise<string | null> {
  const url = drillLogUrl(config);
  const client = s3Client(config);
  try {
    const object = await client.send(
      new GetObjectCommand({ Bucket: config.bucket, Key: `${config.prefix}${DRILL_LOG}` }),
    );
    return (await object.Body?.transformToString("utf8")) ?? "";
  } catch (error) {
    if ((error as SdkError).name === "NoSuchKey") return null;
    throw new BackupError(
      "upload",
      `reading ${url} failed (${describeFailure(error)}). ${hint(error as SdkError, config, "read")}`,
    );
  } finally {
    client.destroy();
  }
}
