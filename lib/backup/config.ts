import { z } from "zod";
import { parseEnv } from "../env/validate";
import { BackupError } from "./errors";
import { KEY_ID } from "./format";

// The environment keys the backup module reads. Every key is optional here, so the app starts without
// them (lib/env only checks the format of the ones that are set); the backup commands then require an
// encryption key through requireEncryptionKey / requireKeyring.

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
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

export interface BackupConfig {
  dir: string;
  /** The key new backups are encrypted with; undefined when BACKUP_ENCRYPTION_KEY is unset. */
  encryptionKey: { id: string; key: Buffer } | undefined;
  /** Every key a restore may use, by id: the current key and the older ones. */
  keyring: ReadonlyMap<string, Buffer>;
  keepDaily: number;
  keepWeekly: number;
  pgBinDir: string | undefined;
}

/** Reads and checks the backup settings; throws InvalidEnvironmentError naming each bad variable. */
export function readBackupConfig(env: Record<string, string | undefined> = process.env): BackupConfig {
  const parsed = parseEnv(backupEnvSchema.superRefine(checkBackupKeyIds), env);
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
