// Backup file names and the manifest written beside each encrypted file. The manifest is what a
// restore checks against: the encrypted file's size and sha256, and what the database held when it
// was dumped (per-table row counts and content hashes, the latest migration).

import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import { AGE_FORMAT } from "./age";
import { BackupError } from "./errors";

// `.dump.age`: an age file (decision 0039). `.dump.enc`: format 1, Shipshape's own, read during the
// transition. Names with milliseconds are newer; those with whole seconds still count.
const FILE_PATTERN = /^shipshape-(\d{8}T\d{6}(?:\.\d{3})?Z)\.dump\.(age|enc)$/;
const AGE_SUFFIX = ".dump.age";
const FORMAT_1_SUFFIX = ".dump.enc";
const MANIFEST_SUFFIX = ".manifest.json";
/** Version 2: age files. Version 1 (format-1 files) is still read. */
export const MANIFEST_VERSION = 2;
const FORMAT_1_MANIFEST_VERSION = 1;

/** How a backup file is encrypted: "age" (age-encryption.org/v1), or 1 (Shipshape's format 1). */
export type BackupFormat = "age" | 1;

/**
 * `shipshape-20250314T093000.123Z`: the UTC time the backup started, to the millisecond, so a drill
 * (which makes its own backup) can follow a backup at once without their names colliding.
 */
export function backupBaseName(startedAt: Date): string {
  return `shipshape-${startedAt.toISOString().replaceAll(/[-:]/g, "")}`;
}

export const backupFileName = (startedAt: Date) => `${backupBaseName(startedAt)}${AGE_SUFFIX}`;
export const manifestFileName = (startedAt: Date) => `${backupBaseName(startedAt)}${MANIFEST_SUFFIX}`;

export interface BackupListing {
  fileName: string;
  manifestName: string;
  createdAt: Date;
  format: BackupFormat;
}

/** The backups in `dir`, by their file names (a missing folder has none). */
export async function listBackups(dir: string): Promise<BackupListing[]> {
  if (!existsSync(dir)) return [];
  const listings: BackupListing[] = [];
  for (const fileName of await readdir(dir)) {
    const [, stamp, suffix] = FILE_PATTERN.exec(fileName) ?? [];
    if (!stamp) continue;
    const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13)}`;
    const createdAt = new Date(iso);
    if (Number.isNaN(createdAt.getTime())) continue;
    listings.push({
      fileName,
      manifestName: fileName.slice(0, -AGE_SUFFIX.length) + MANIFEST_SUFFIX,
      createdAt,
      format: suffix === "age" ? "age" : 1,
    });
  }
  return listings;
}

const tableStatsSchema = z.object({
  rows: z.number().int().min(0),
  /** See tableStats() in database.ts for how it is computed. */
  contentHash: z.string(),
});

const format1ManifestSchema = z.object({
  manifestVersion: z.literal(FORMAT_1_MANIFEST_VERSION),
  /** The encrypted file's name, in the manifest's folder. */
  file: z.string().regex(FILE_PATTERN),
  createdAt: z.iso.datetime(),
  durationMs: z.number().min(0),
  encrypted: z.object({ bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** Size of the pg_dump archive inside (compressed by pg_dump, before encryption). */
  dumpBytes: z.number().int().min(0),
  encryption: z.object({
    cipher: z.literal("AES-256-GCM"),
    formatVersion: z.number().int(),
    keyId: z.string(),
    chunkBytes: z.number().int(),
  }),
  database: z.object({
    name: z.string(),
    serverVersion: z.string(),
    /** The latest applied migration in _prisma_migrations; null when the table is absent or empty. */
    schemaVersion: z.string().nullable(),
  }),
  /** Every table of the public schema, by name. */
  tables: z.record(z.string(), tableStatsSchema),
  tools: z.object({ pgDump: z.string(), node: z.string(), shipshape: z.string() }),
});

export const manifestSchema = format1ManifestSchema.extend({
  manifestVersion: z.literal(MANIFEST_VERSION),
  encryption: z.object({
    format: z.literal(AGE_FORMAT),
    /** The age public keys it is encrypted to: which identity opens it. Empty for a passphrase. */
    recipients: z.array(z.string()),
    /** Encrypted to a passphrase (scrypt) rather than to recipients. */
    passphrase: z.boolean(),
  }),
});

const anyManifestSchema = z.discriminatedUnion("manifestVersion", [manifestSchema, format1ManifestSchema]);

/** A backup's manifest: version 2 (age) or version 1 (format 1, read during the transition). */
export type BackupManifest = z.infer<typeof anyManifestSchema>;
export type TableStats = z.infer<typeof tableStatsSchema>;

export async function writeManifest(manifestPath: string, manifest: BackupManifest): Promise<void> {
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { flag: "wx" });
}

/**
 * The manifest and encrypted file of a backup, from either of the two paths. From a manifest, the
 * file is the age one beside it, or the format-1 one when only that exists.
 */
export function resolveBackupPaths(input: string): { filePath: string; manifestPath: string } {
  if (input.endsWith(MANIFEST_SUFFIX)) {
    const base = input.slice(0, -MANIFEST_SUFFIX.length);
    const format1 = base + FORMAT_1_SUFFIX;
    const filePath = !existsSync(base + AGE_SUFFIX) && existsSync(format1) ? format1 : base + AGE_SUFFIX;
    return { manifestPath: input, filePath };
  }
  const suffix = [AGE_SUFFIX, FORMAT_1_SUFFIX].find((ending) => input.endsWith(ending));
  if (suffix) {
    return { filePath: input, manifestPath: input.slice(0, -suffix.length) + MANIFEST_SUFFIX };
  }
  throw new BackupError(
    "config",
    `${input} is neither a backup (*.dump.age, or *.dump.enc from before age) nor a manifest ` +
      "(*.manifest.json). Pass one of the files that `npm run backup` wrote.",
  );
}

/** Reads and checks a manifest; a missing, unreadable or unknown-version manifest is a clear error. */
export async function readManifest(manifestPath: string): Promise<BackupManifest> {
  if (!existsSync(manifestPath)) {
    throw new BackupError(
      "config",
      `the manifest ${manifestPath} is missing. A restore checks the backup against its manifest ` +
        "(checksum, row counts, migration); copy it from where the backup was stored.",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(manifestPath, "utf8"));
  } catch (error) {
    throw new BackupError(
      "config",
      `the manifest ${manifestPath} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const version = (json as { manifestVersion?: unknown } | null)?.manifestVersion;
  if (version !== MANIFEST_VERSION && version !== FORMAT_1_MANIFEST_VERSION) {
    throw new BackupError(
      "unsupported-format",
      `unsupported manifest version ${String(version)} in ${manifestPath}: this code reads versions ` +
        `${FORMAT_1_MANIFEST_VERSION} and ${MANIFEST_VERSION}. Restore it with the Shipshape version that wrote it.`,
    );
  }
  const parsed = anyManifestSchema.safeParse(json);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    throw new BackupError(
      "config",
      `the manifest ${manifestPath} is damaged: ${problem?.path.join(".")}: ${problem?.message}.`,
    );
  }
  return parsed.data;
}
