import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readBackupConfig, requireEncryptionKey } from "@/lib/backup";

const key = () => randomBytes(32).toString("base64");

describe("readBackupConfig", () => {
  it("has safe defaults and puts the current and the older keys in the keyring", () => {
    const current = key();
    const older = key();
    const config = readBackupConfig({
      BACKUP_ENCRYPTION_KEY: current,
      BACKUP_ENCRYPTION_KEYS: `k0:${older}`,
    });
    expect(config).toMatchObject({ dir: ".data/backups", keepDaily: 7, keepWeekly: 4 });
    expect(config.encryptionKey?.id).toBe("k1");
    expect([...config.keyring.keys()].sort()).toEqual(["k0", "k1"]);
    expect(config.keyring.get("k0")?.toString("base64")).toBe(older);
  });

  it("names each bad variable without echoing a key", () => {
    const secret = "not-a-32-byte-key";
    const read = () =>
      readBackupConfig({
        BACKUP_ENCRYPTION_KEY: secret,
        BACKUP_ENCRYPTION_KEY_ID: "k 1",
        BACKUP_ENCRYPTION_KEYS: "k0-without-colon",
        BACKUP_KEEP_DAILY: "0",
      });
    expect(read).toThrow(/BACKUP_ENCRYPTION_KEY: must be 32 bytes of base64/);
    expect(read).toThrow(/BACKUP_ENCRYPTION_KEY_ID: must be 1 to 32 letters/);
    expect(read).toThrow(/BACKUP_ENCRYPTION_KEYS: entry 1 is not keyId:base64key/);
    expect(read).toThrow(/BACKUP_KEEP_DAILY: must be at least 1/);
    expect(read).not.toThrow(new RegExp(secret));
  });

  it("refuses two different keys under one id", () => {
    expect(() =>
      readBackupConfig({ BACKUP_ENCRYPTION_KEY: key(), BACKUP_ENCRYPTION_KEYS: `k1:${key()}` }),
    ).toThrow(/BACKUP_ENCRYPTION_KEYS: lists key id k1 with a different key/);
  });

  it("requires a key to make a backup, saying how to make one", () => {
    expect(() => requireEncryptionKey(readBackupConfig({}))).toThrow(
      /BACKUP_ENCRYPTION_KEY is not set.*openssl rand -base64 32/,
    );
  });
});
