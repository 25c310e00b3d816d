import { readFile } from "node:fs/promises";
import { z } from "zod";
import { parseEnv } from "../env/validate";
import { type AgeEncryption, type AgeKeys, isAgeIdentity, isAgeRecipient, parseIdentities } from "./age";
import { BackupError } from "./errors";
import { type BackupKeyring, KEY_ID } from "./format";

// The environment keys the backup module reads. Every key is optional here, so the app starts without
// them (lib/env only checks the format of the ones that are set); `npm run backup` then requires
// recipients (requireEncryption), and a restore or drill a key that decrypts (requireRestoreKeys).
//
// Who holds what (decision 0039): the app server holds BACKUP_RECIPIENTS, public keys, and can make
// backups but not read them; the identities (private keys) live with the operator and on the restore
// host. BACKUP_ENCRYPTION_KEY(S) are format 1's symmetric keys, read only to restore older backups.

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const DEFAULT_S3_PREFIX = "shipshape-backups/";
const KEY_HELP = "It is the key format-1 backups were made with, as `openssl rand -base64 32` printed it.";
const RECIPIENT_HELP =
  "Make a key pair where backups are restored with `age-keygen -o backup-identity.txt` and put the " +
  "public key it prints (age1…) here; the identity file stays off this server.";
/** age's own advice for a passphrase that scrypt protects: 4-5 random words, or this many characters. */
const MIN_PASSPHRASE_LENGTH = 16;

/** BACKUP_RECIPIENTS: `age1…` public keys separated by commas, spaces or newlines. */
function parseRecipients(value: string, ctx: z.RefinementCtx): string[] {
  const entries = value.split(/[\s,]+/).filter((entry) => entry !== "");
  if (entries.length === 0) ctx.addIssue({ code: "custom", message: `is empty. ${RECIPIENT_HELP}` });
  entries.forEach((entry, index) => {
    if (isAgeRecipient(entry)) return;
    // Never echo the entry: someone may have pasted a private key here by mistake.
    ctx.addIssue({
      code: "custom",
      message: entry.toUpperCase().startsWith("AGE-SECRET-KEY-")
        ? `entry ${index + 1} is a private key (an identity): put its public key here (\`age-keygen -y\`) ` +
          "and keep the identity off this server; then consider that key exposed and make a new one."
        : `entry ${index + 1} is not an age X25519 public key (age1… as age-keygen prints it). ${RECIPIENT_HELP}`,
    });
  });
  return entries;
}

/** BACKUP_IDENTITY: `AGE-SECRET-KEY-1…` identities, one per line or separated by commas. */
function parseIdentityList(value: string, ctx: z.RefinementCtx): string[] {
  const identities = parseIdentities(value);
  identities.forEach((identity, index) => {
    if (!isAgeIdentity(identity)) {
      ctx.addIssue({
        code: "custom",
        message: `entry ${index + 1} is not an age identity (AGE-SECRET-KEY-1… as age-keygen writes it).`,
      });
    }
  });
  return identities;
}

function decodeKey(encoded: string): Buffer | undefined {
  const key = BASE64.test(encoded.trim()) ? Buffer.from(encoded.trim(), "base64") : undefined;
  return key?.length === 32 ? key : undefined;
}

/** Parses BACKUP_ENCRYPTION_KEYS: `keyId:base64key,…`, older keys kept for decrypting old backups. */
function parseOlderKeys(value: string, ctx: z.RefinementCtx): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  value.split(",").forEach((entry, index) => {
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon).trim();
    const key = decodeKey(entry.slice(colon + 1));
    const where = `entry ${index + 1}`;
    if (colon === -1 || !KEY_ID.test(id)) {
      ctx.addIssue({ code: "custom", message: `${where} is not keyId:base64key (such as k1:…).` });
    } else if (!key) {
      ctx.addIssue({
        code: "custom",
        message: `${where} (key id ${id}) is not 32 bytes of base64. ${KEY_HELP}`,
      });
    } else if (keys.has(id)) {
      ctx.addIssue({ code: "custom", message: `${where} repeats the key id ${id}.` });
    } else {
      keys.set(id, key);
    }
  });
  return keys;
}

export const backupEnvSchema = z.object({
  BACKUP_DIR: z
    .string()
    .default(".data/backups")
    .describe("Folder for encrypted backups, their manifests and drills.jsonl."),
  BACKUP_RECIPIENTS: z
    .string()
    .transform(parseRecipients)
    .optional()
    .describe("age public keys (age1…) new backups are encrypted to. Required by `npm run backup`."),
  BACKUP_PASSPHRASE: z
    .string()
    .min(MIN_PASSPHRASE_LENGTH, {
      error: `must be at least ${MIN_PASSPHRASE_LENGTH} characters (age's advice: 4-5 random words)`,
    })
    .optional()
    .describe(
      "Instead of recipients: an age scrypt passphrase that encrypts and decrypts (see the trade-off).",
    ),
  BACKUP_IDENTITY: z
    .string()
    .transform(parseIdentityList)
    .optional()
    .describe("age identities (AGE-SECRET-KEY-1…) a restore or drill decrypts with. Restore host only."),
  BACKUP_IDENTITY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Path to an age identity file (age-keygen's output) for restores and drills. Restore host only.",
    ),
  BACKUP_ENCRYPTION_KEY: z
    .string()
    .transform((value, ctx) => {
      const key = decodeKey(value);
      if (key) return key;
      ctx.addIssue({ code: "custom", message: `must be 32 bytes of base64. ${KEY_HELP}` });
      return z.NEVER;
    })
    .optional()
    .describe(
      "Format 1 only: the AES-256 key of backups made before age, to restore them. Restore host only.",
    ),
  BACKUP_ENCRYPTION_KEY_ID: z
    .string()
    .regex(KEY_ID, { error: 'must be 1 to 32 letters, digits, "-" or "_"' })
    .default("k1")
    .describe("Format 1 only: the key id BACKUP_ENCRYPTION_KEY's backups name in their header."),
  BACKUP_ENCRYPTION_KEYS: z
    .string()
    .transform(parseOlderKeys)
    .optional()
    .describe("Format 1 only: older keys, keyId:base64key,…, to restore backups made with them."),
  BACKUP_KEEP_DAILY: z.coerce
    .number()
    .int()
    .min(1, { error: "must be at least 1: the newest backup is always kept" })
    .default(7)
    .describe("Keep the newest backup of each of this many most recent days that have one."),
  BACKUP_KEEP_WEEKLY: z.coerce
    .number()
    .int()
    .min(0)
    .default(4)
    .describe("Also keep the newest backup of each of this many most recent ISO weeks that have one."),
  BACKUP_PG_BIN_DIR: z
    .string()
    .optional()
    .describe("Folder holding pg_dump and pg_restore, when those on PATH are older than the server."),
  BACKUP_S3_BUCKET: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
      error: "must be a bucket name alone, without s3:// or a path (the folder goes in BACKUP_S3_PREFIX)",
    })
    .optional()
    .describe(
      "Bucket each backup and its manifest are uploaded to after they are written. Unset: no upload.",
    ),
  BACKUP_S3_PREFIX: z
    .string()
    // Keys are `<prefix><file name>`: without the slash, "backups" would give "backupsshipshape-…".
    // "/" alone means the bucket's root.
    .transform((value) => {
      const folder = value.replace(/^\/+|\/+$/g, "");
      return folder ? `${folder}/` : "";
    })
    .default(DEFAULT_S3_PREFIX)
    .describe("Folder in the bucket the backups go to."),
  BACKUP_S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]+$/, { error: "must be a region name such as eu-central-1 (R2: auto)" })
    .optional()
    .describe("The bucket's region (AWS: eu-central-1…; R2: auto; MinIO: us-east-1 unless configured)."),
  BACKUP_S3_ENDPOINT: z
    .url({
      protocol: /^https?$/,
      error: "must be an http(s) URL such as https://<account>.r2.cloudflarestorage.com",
    })
    .optional()
    .describe("S3-compatible service's URL (R2, B2, MinIO). Unset: AWS S3."),
  BACKUP_S3_FORCE_PATH_STYLE: z
    .stringbool()
    .default(false)
    .describe("Address the bucket as <endpoint>/<bucket> instead of <bucket>.<endpoint> (MinIO needs it)."),
  BACKUP_S3_ACCESS_KEY_ID: z.string().optional().describe("Access key id allowed to write to the bucket."),
  BACKUP_S3_SECRET_ACCESS_KEY: z.string().optional().describe("Secret of that access key."),
});

export type BackupEnv = z.infer<typeof backupEnvSchema>;

/** Two different keys under one id would make the backups of one of them unrestorable by id. */
export function checkBackupKeyIds(env: BackupEnv, ctx: z.RefinementCtx): void {
  const older = env.BACKUP_ENCRYPTION_KEYS?.get(env.BACKUP_ENCRYPTION_KEY_ID);
  if (env.BACKUP_ENCRYPTION_KEY && older && !older.equals(env.BACKUP_ENCRYPTION_KEY)) {
    ctx.addIssue({
      code: "custom",
      path: ["BACKUP_ENCRYPTION_KEYS"],
      message:
        `lists key id ${env.BACKUP_ENCRYPTION_KEY_ID} with a different key than BACKUP_ENCRYPTION_KEY. ` +
        "Give the new key a new BACKUP_ENCRYPTION_KEY_ID when you rotate.",
    });
  }
}

/**
 * An age file is encrypted either to recipients or to one passphrase, never both (the format allows a
 * scrypt stanza only alone): refuse the pair rather than pick one silently.
 */
export function checkBackupEncryptionEnv(env: BackupEnv, ctx: z.RefinementCtx): void {
  if (env.BACKUP_RECIPIENTS && env.BACKUP_PASSPHRASE) {
    ctx.addIssue({
      code: "custom",
      path: ["BACKUP_PASSPHRASE"],
      message:
        "is set together with BACKUP_RECIPIENTS: an age file is encrypted to recipients or to one " +
        "passphrase, not both. Keep BACKUP_RECIPIENTS (the server then holds no key that decrypts).",
    });
  }
}

// Set together with BACKUP_S3_BUCKET or not at all. Credentials are never taken from the AWS SDK's
// default chain (AWS_* variables, ~/.aws, instance roles): a backup should go where its own
// settings say, not wherever another tool's credentials on the same machine happen to point.
const S3_REQUIRED = ["BACKUP_S3_REGION", "BACKUP_S3_ACCESS_KEY_ID", "BACKUP_S3_SECRET_ACCESS_KEY"] as const;
const S3_OPTIONAL = ["BACKUP_S3_ENDPOINT"] as const;

/** The upload settings are all or nothing: a half-configured upload fails at startup, not at 02:00. */
export function checkBackupUploadEnv(env: BackupEnv, ctx: z.RefinementCtx): void {
  if (env.BACKUP_S3_BUCKET) {
    const missing = S3_REQUIRED.filter((name) => !env[name]);
    if (missing.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["BACKUP_S3_BUCKET"],
        message: `is set, so ${missing.join(", ")} must be set too (the upload needs a region and an access key).`,
      });
    }
    return;
  }
  const orphans = [...S3_REQUIRED, ...S3_OPTIONAL].filter((name) => env[name]);
  if (orphans.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["BACKUP_S3_BUCKET"],
      message: `is not set, but ${orphans.join(", ")} ${orphans.length === 1 ? "is" : "are"}: set the bucket to upload backups, or unset them.`,
    });
  }
}

/** Where backups are uploaded; present only when BACKUP_S3_BUCKET is set (and so everything it needs). */
export interface BackupUploadConfig {
  bucket: string;
  /** Ends with "/". */
  prefix: string;
  region: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * What new backups are encrypted with. readBackupConfig gives age (recipients or a passphrase); format 1
 * stays writable only for the transition's tests and the bench that compares the two formats.
 */
export type BackupEncryption =
  | ({ format: "age" } & AgeEncryption)
  | { format: "shipshape-v1"; key: { id: string; key: Buffer } };

/** Every key a restore may decrypt with: age identities and passphrase, format 1's keyring. */
export interface RestoreKeys extends AgeKeys {
  keyring: BackupKeyring;
}

export interface BackupConfig {
  dir: string;
  /** What new backups are encrypted to; undefined when neither BACKUP_RECIPIENTS nor BACKUP_PASSPHRASE is set. */
  encryption: BackupEncryption | undefined;
  /** Identities from BACKUP_IDENTITY; the file's are read when a restore needs them (requireRestoreKeys). */
  identities: readonly string[];
  identityFile: string | undefined;
  passphrase: string | undefined;
  /** Format 1's keys by id (BACKUP_ENCRYPTION_KEY and BACKUP_ENCRYPTION_KEYS): restore only. */
  keyring: ReadonlyMap<string, Buffer>;
  keepDaily: number;
  keepWeekly: number;
  pgBinDir: string | undefined;
  /** Off-site copy after each backup; undefined when BACKUP_S3_BUCKET is unset. */
  upload: BackupUploadConfig | undefined;
}

/** Reads and checks the backup settings; throws InvalidEnvironmentError naming each bad variable. */
export function readBackupConfig(env: Record<string, string | undefined> = process.env): BackupConfig {
  const parsed = parseEnv(
    backupEnvSchema.superRefine((values, ctx) => {
      checkBackupKeyIds(values, ctx);
      checkBackupEncryptionEnv(values, ctx);
      checkBackupUploadEnv(values, ctx);
    }),
    env,
  );
  const keyring = new Map(parsed.BACKUP_ENCRYPTION_KEYS ?? []);
  if (parsed.BACKUP_ENCRYPTION_KEY)
    keyring.set(parsed.BACKUP_ENCRYPTION_KEY_ID, parsed.BACKUP_ENCRYPTION_KEY);
  const encryption: BackupEncryption | undefined = parsed.BACKUP_RECIPIENTS
    ? { format: "age", recipients: parsed.BACKUP_RECIPIENTS }
    : parsed.BACKUP_PASSPHRASE
      ? { format: "age", passphrase: parsed.BACKUP_PASSPHRASE }
      : undefined;
  return {
    dir: parsed.BACKUP_DIR,
    encryption,
    identities: parsed.BACKUP_IDENTITY ?? [],
    identityFile: parsed.BACKUP_IDENTITY_FILE,
    passphrase: parsed.BACKUP_PASSPHRASE,
    keyring,
    keepDaily: parsed.BACKUP_KEEP_DAILY,
    keepWeekly: parsed.BACKUP_KEEP_WEEKLY,
    pgBinDir: parsed.BACKUP_PG_BIN_DIR,
    upload: parsed.BACKUP_S3_BUCKET
      ? {
          bucket: parsed.BACKUP_S3_BUCKET,
          prefix: parsed.BACKUP_S3_PREFIX,
          region: parsed.BACKUP_S3_REGION as string,
          endpoint: parsed.BACKUP_S3_ENDPOINT,
          forcePathStyle: parsed.BACKUP_S3_FORCE_PATH_STYLE,
          accessKeyId: parsed.BACKUP_S3_ACCESS_KEY_ID as string,
          secretAccessKey: parsed.BACKUP_S3_SECRET_ACCESS_KEY as string,
        }
      : undefined,
  };
}

/**
 * What new backups are encrypted to; a clear error when nothing is set (backups are never plain). A
 * deployment that still has only format 1's BACKUP_ENCRYPTION_KEY is told how to move to age.
 */
export function requireEncryption(config: BackupConfig): BackupEncryption {
  if (config.encryption) return config.encryption;
  if (config.keyring.size > 0) {
    throw new BackupError("config", MIGRATE_FROM_FORMAT_1);
  }
  throw new BackupError(
    "config",
    `BACKUP_RECIPIENTS is not set: backups are always encrypted. ${RECIPIENT_HELP} Without that identity, ` +
      "the backups cannot be restored.",
  );
}

/** What a deployment with only BACKUP_ENCRYPTION_KEY does to move to age (the doctor says it too). */
export const MIGRATE_FROM_FORMAT_1 =
  "BACKUP_RECIPIENTS is not set, and BACKUP_ENCRYPTION_KEY no longer encrypts new backups: they are " +
  "age files encrypted to public keys, so this server needs no key that reads them (decision 0039). " +
  "To move: on the restore host, `age-keygen -o backup-identity.txt` (keep a copy offline); set " +
  "BACKUP_RECIPIENTS here to the public key it prints; move BACKUP_ENCRYPTION_KEY(S) to the restore " +
  "host, which needs them until the last format-1 backup is gone (`npm run doctor` warns until then); " +
  "then remove them from this server.";

/**
 * The keys a restore or drill decrypts with: BACKUP_IDENTITY, the identity files (BACKUP_IDENTITY_FILE
 * and `--identity`), BACKUP_PASSPHRASE, and format 1's keys. A host with none of them (the app server,
 * configured with recipients only) is told where restores happen.
 */
export async function requireRestoreKeys(
  config: BackupConfig,
  identityFiles: readonly string[] = [],
): Promise<RestoreKeys> {
  const identities = [...config.identities];
  for (const file of [config.identityFile, ...identityFiles].filter((f): f is string => Boolean(f))) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new BackupError(
        "config",
        `cannot read the identity file ${file} (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
      );
    }
    const found = parseIdentities(text);
    // Never echo the file's lines: they are private keys.
    const bad = found.findIndex((line) => !isAgeIdentity(line));
    if (bad !== -1 || found.length === 0) {
      throw new BackupError(
        "config",
        found.length === 0
          ? `the identity file ${file} holds no identity (AGE-SECRET-KEY-1… lines, as age-keygen writes).`
          : `line ${bad + 1} of the identity file ${file} (not counting comments) is not an age identity.`,
      );
    }
    identities.push(...found);
  }
  if (identities.length === 0 && !config.passphrase && config.keyring.size === 0) {
    throw new BackupError(
      "key-not-configured",
      "cannot decrypt: no identity is configured on this host. Backups are encrypted to public keys " +
        "(BACKUP_RECIPIENTS), so the app server can make them but not read them: restore (and drill) on " +
        "the restore host, with BACKUP_IDENTITY_FILE (or `--identity <file>`) naming the identity file " +
        "(docs/RUNBOOK.md).",
    );
  }
  return { identities, passphrase: config.passphrase, keyring: config.keyring };
}
/** The env module lib/env composes (lib/env/modules.ts): its keys and the rules across them. */
export const envModule = {
  schema: backupEnvSchema,
  check(env: BackupEnv, ctx: z.RefinementCtx): void {
    checkBackupKeyIds(env, ctx);
    checkBackupEncryptionEnv(env, ctx);
    checkBackupUploadEnv(env, ctx);
  },
};
