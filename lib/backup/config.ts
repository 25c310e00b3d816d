import { z } from "zod";
import { parseEnv } from "../env/validate";
import { BackupError } from "./errors";
import { KEY_ID } from "./format";

// The environment keys the backup module reads. Every key is optional here, so the app starts without
// them (lib/env only checks the format of the ones that are set); the backup commands then require an
// encryption key through requireEncryptionKey / requireKeyring.

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const DEFAULT_S3_PREFIX = "shipshape-backups/";
const KEY_HELP = "Generate one with `openssl rand -base64 32` and keep a copy outside the server.";

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
  BACKUP_ENCRYPTION_KEY: z
    .string()
    .transform((value, ctx) => {
      const key = decodeKey(value);
      if (key) return key;
      ctx.addIssue({ code: "custom", message: `must be 32 bytes of base64. ${KEY_HELP}` });
      return z.NEVER;
    })
    .optional()
    .describe("AES-256 key (base64 of 32 bytes) that encrypts new backups. Required by the backup commands."),
  BACKUP_ENCRYPTION_KEY_ID: z
    .string()
    .regex(KEY_ID, { error: 'must be 1 to 32 letters, digits, "-" or "_"' })
    .default("k1")
    .describe("Id written into each backup's header; change it whenever the key changes."),
  BACKUP_ENCRYPTION_KEYS: z
    .string()
    .transform(parseOlderKeys)
    .optional()
    .describe("Older keys, keyId:base64key,…, kept only to restore backups made before a key rotation."),
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

export interface BackupConfig {
  dir: string;
  /** The key new backups are encrypted with; undefined when BACKUP_ENCRYPTION_KEY is unset. */
  encryptionKey: { id: string; key: Buffer } | undefined;
  /** Every key a restore may use, by id: the current key and the older ones. */
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
      checkBackupUploadEnv(values, ctx);
    }),
    env,
  );
  const keyring = new Map(parsed.BACKUP_ENCRYPTION_KEYS ?? []);
  const encryptionKey = parsed.BACKUP_ENCRYPTION_KEY && {
    id: parsed.BACKUP_ENCRYPTION_KEY_ID,
    key: parsed.BACKUP_ENCRYPTION_KEY,
  };
  if (encryptionKey) keyring.set(encryptionKey.id, encryptionKey.key);
  return {
    dir: parsed.BACKUP_DIR,
    encryptionKey,
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

/** The key for new backups; a clear error when BACKUP_ENCRYPTION_KEY is unset (backups are never plain). */
export function requireEncryptionKey(config: BackupConfig): { id: string; key: Buffer } {
  if (config.encryptionKey) return config.encryptionKey;
  throw new BackupError(
    "config",
    `BACKUP_ENCRYPTION_KEY is not set: backups are always encrypted. ${KEY_HELP} Without that copy, ` +
      "the backups cannot be restored if the server is lost.",
  );
}

/** The env module lib/env composes (lib/env/modules.ts): its keys and the rules across them. */
export const envModule = {
  schema: backupEnvSchema,
  check(env: BackupEnv, ctx: z.RefinementCtx): void {
    checkBackupKeyIds(env, ctx);
    checkBackupUploadEnv(env, ctx);
  },
};
