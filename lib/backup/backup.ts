// `npm run backup`: pg_dump → age encryption → file, streamed, with a manifest beside the file and the
// retention policy applied afterwards. The file is encrypted to public keys (BACKUP_RECIPIENTS): this
// server can write backups and cannot read them (decision 0039).
//
// Consistency: the manifest's row counts and content hashes must describe exactly the data in the
// dump, even while the app keeps writing. So one REPEATABLE READ transaction exports its snapshot,
// pg_dump runs with --snapshot=<that snapshot>, and the counts and hashes are read in the exporting
// transaction itself: all three see the database as of one instant.

import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AGE_FORMAT, ageEncryptStage } from "./age";
import { type BackupConfig, type BackupEncryption, requireEncryption } from "./config";
import {
  connect,
  databaseNameOf,
  databaseStats,
  EXCLUDED_SCHEMAS,
  schemaVersion,
  serverVersion,
} from "./database";
import { BackupError } from "./errors";
import { createEncryptStream, DEFAULT_CHUNK_BYTES, FORMAT_VERSION } from "./format";
import {
  type BackupManifest,
  backupFileName,
  MANIFEST_VERSION,
  manifestFileName,
  writeManifest,
} from "./manifest";
import { findPgTool, libpqConnection, startTool } from "./pg-tools";
import { applyRetention } from "./retention";
import { type BackupUploadResult, uploadBackup } from "./upload";

export interface CreateBackupOptions {
  databaseUrl: string;
  config: BackupConfig;
  /** Called as encrypted bytes reach the file, with the total so far (for a progress display). */
  onProgress?: (bytesWritten: number) => void;
  /** Called as the upload proceeds, with the encrypted file's bytes uploaded so far. */
  onUploadProgress?: (bytesUploaded: number) => void;
  /** Upload to the bucket when config.upload is set (the default); the drill's backup stays local. */
  upload?: boolean;
}

export interface BackupResult {
  filePath: string;
  manifestPath: string;
  manifest: BackupManifest;
  /** Where the file and its manifest were uploaded; undefined when no bucket is configured. */
  upload: BackupUploadResult | undefined;
  /** Older backups the retention policy deleted afterwards (file names). */
  removed: string[];
}

/** Counts the bytes passing through, and optionally hashes them. */
function meter(options: { hash?: boolean; onBytes?: (total: number) => void } = {}) {
  const digest = options.hash ? createHash("sha256") : undefined;
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      digest?.update(chunk);
      options.onBytes?.(bytes);
      callback(null, chunk);
    },
  });
  return { stream, bytes: () => bytes, sha256: () => digest?.digest("hex") ?? "" };
}

/** "shipshape@0.1.0" from the app's package.json, for the manifest. */
async function appVersion(): Promise<string> {
  try {
    const { name, version } = JSON.parse(await readFile("package.json", "utf8")) as Record<string, string>;
    return `${name}@${version}`;
  } catch {
    return "unknown";
  }
}

/** The manifest's fields that depend on the format, one pair per manifest version. */
type EncryptionRecord = BackupManifest extends infer M
  ? M extends BackupManifest
    ? Pick<M, "manifestVersion" | "encryption">
    : never
  : never;

/** The pipeline stage that encrypts, and what the manifest records about it. */
function encryptionStage(encryption: BackupEncryption): {
  stage: Transform | ReturnType<typeof ageEncryptStage>;
  recorded: EncryptionRecord;
} {
  if (encryption.format === "age") {
    const recipients = "recipients" in encryption ? [...encryption.recipients] : [];
    return {
      stage: ageEncryptStage(encryption),
      recorded: {
        manifestVersion: MANIFEST_VERSION,
        encryption: { format: AGE_FORMAT, recipients, passphrase: "passphrase" in encryption },
      },
    };
  }
  return {
    stage: createEncryptStream(encryption.key, { chunkBytes: DEFAULT_CHUNK_BYTES }),
    recorded: {
      manifestVersion: 1,
      encryption: {
        cipher: "AES-256-GCM",
        formatVersion: FORMAT_VERSION,
        keyId: encryption.key.id,
        chunkBytes: DEFAULT_CHUNK_BYTES,
      },
    },
  };
}

/**
 * Makes one encrypted backup of `databaseUrl` in config.dir, uploads it and its manifest when a bucket
 * is configured, then applies the retention policy. A failed upload throws before retention runs, so
 * that run deletes nothing local.
 */
export async function createBackup(options: CreateBackupOptions): Promise<BackupResult> {
  const { config } = options;
  const encryption = requireEncryption(config);
  const encrypt = encryptionStage(encryption);
  const startedAt = new Date();
  await mkdir(config.dir, { recursive: true });
  const fileName = backupFileName(startedAt);
  // Format 1 keeps its own suffix, so its files are told apart by name (the transition's tests, bench).
  const filePath = path.join(
    config.dir,
    encryption.format === "age" ? fileName : fileName.replace(/\.dump\.age$/, ".dump.enc"),
  );
  const manifestPath = path.join(config.dir, manifestFileName(startedAt));
  // Written under a temporary name and renamed when complete, so a crash never leaves a file that
  // looks like a finished backup.
  const partialPath = `${filePath}.partial`;
  if (existsSync(filePath)) {
    throw new BackupError(
      "config",
      `${filePath} already exists: another backup started in the same millisecond.`,
    );
  }

  const client = await connect(options.databaseUrl);
  let result: Omit<BackupResult, "removed" | "upload">;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    const { rows } = await client.query<{ snapshot: string }>("SELECT pg_export_snapshot() AS snapshot");
    const server = await serverVersion(client);
    const pgDump = await findPgTool("pg_dump", server.major, config.pgBinDir);

    const { dbname, env } = libpqConnection(options.databaseUrl);
    // Custom format: compressed, and pg_restore can pick and reorder objects from it.
    const dump = startTool(
      pgDump,
      [
        "--format=custom",
        "--no-password",
        `--snapshot=${rows[0]?.snapshot}`,
        ...EXCLUDED_SCHEMAS.map((schema) => `--exclude-schema=${schema}`),
        `--dbname=${dbname}`,
      ],
      env,
    );
    dump.child.stdin?.end();
    const plain = meter();
    const encrypted = meter({ hash: true, onBytes: options.onProgress });
    const writing = pipeline(
      dump.child.stdout as NodeJS.ReadableStream,
      plain.stream,
      encrypt.stage,
      encrypted.stream,
      createWriteStream(partialPath, { flags: "wx" }),
    );
    // Read in the exporting transaction, so in the dump's snapshot, while pg_dump runs.
    const reading = (async () => ({
      tables: await databaseStats(client),
      migration: await schemaVersion(client),
    }))();
    const [dumped, written, read] = await Promise.allSettled([dump.exited, writing, reading]);
    // A failing pg_dump breaks the pipeline too, and its stderr explains more. A failing write (disk
    // full) kills pg_dump with SIGPIPE, and then the write error explains more.
    const outcomes = dump.child.signalCode ? [written, dumped, read] : [dumped, written, read];
    const failure = outcomes.find((outcome) => outcome.status === "rejected");
    if (failure) throw failure.reason;
    const { tables, migration } = await reading;
    await client.query("COMMIT");

    await rename(partialPath, filePath);
    const manifest = {
      ...encrypt.recorded,
      file: path.basename(filePath),
      createdAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      encrypted: { bytes: encrypted.bytes(), sha256: encrypted.sha256() },
      dumpBytes: plain.bytes(),
      database: {
        name: databaseNameOf(options.databaseUrl),
        serverVersion: server.text,
        schemaVersion: migration,
      },
      tables,
      tools: { pgDump: pgDump.version, node: process.version, shipshape: await appVersion() },
    } satisfies BackupManifest;
    // A backup without its manifest cannot be checked: remove the file if the manifest fails.
    await writeManifest(manifestPath, manifest).catch(async (error: unknown) => {
      await rm(filePath, { force: true });
      throw error;
    });
    result = { filePath, manifestPath, manifest };
  } catch (error) {
    await rm(partialPath, { force: true });
    throw error;
  } finally {
    await client.end();
  }
  const upload =
    config.upload && options.upload !== false
      ? await uploadBackup(result, config.upload, options.onUploadProgress)
      : undefined;
  const removed = await applyRetention(config.dir, {
    keepDaily: config.keepDaily,
    keepWeekly: config.keepWeekly,
  });
  return { ...result, upload, removed };
}
