import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readBackupConfig, requireEncryptionKey } from "@/lib/backup";
import { parseEnv, serverEnvSchema } from "@/lib/env";

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

describe("readBackupConfig: the upload to a bucket (BACKUP_S3_*)", () => {
  const complete = {
    BACKUP_S3_BUCKET: "acme-backups",
    BACKUP_S3_REGION: "auto",
    BACKUP_S3_ENDPOINT: "https://0123abcd.r2.cloudflarestorage.com",
    BACKUP_S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
    BACKUP_S3_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  };

  it("is off without a bucket, and complete with one", () => {
    expect(readBackupConfig({}).upload).toBeUndefined();
    expect(readBackupConfig(complete).upload).toEqual({
      bucket: "acme-backups",
      prefix: "shipshape-backups/",
      region: "auto",
      endpoint: "https://0123abcd.r2.cloudflarestorage.com",
      forcePathStyle: false,
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: complete.BACKUP_S3_SECRET_ACCESS_KEY,
    });
  });

  it("names every variable a bucket needs that is missing", () => {
    expect(() => readBackupConfig({ BACKUP_S3_BUCKET: "acme-backups" })).toThrow(
      "BACKUP_S3_BUCKET: is set, so BACKUP_S3_REGION, BACKUP_S3_ACCESS_KEY_ID, BACKUP_S3_SECRET_ACCESS_KEY must be set too",
    );
    const { BACKUP_S3_SECRET_ACCESS_KEY: _, ...withoutSecret } = complete;
    expect(() => readBackupConfig(withoutSecret)).toThrow(
      "BACKUP_S3_BUCKET: is set, so BACKUP_S3_SECRET_ACCESS_KEY must be set too",
    );
  });

  it("refuses upload settings without a bucket, naming them but never echoing the secret", () => {
    const { BACKUP_S3_BUCKET: _, ...withoutBucket } = complete;
    const read = () => readBackupConfig(withoutBucket);
    expect(read).toThrow(
      "BACKUP_S3_BUCKET: is not set, but BACKUP_S3_REGION, BACKUP_S3_ACCESS_KEY_ID, BACKUP_S3_SECRET_ACCESS_KEY, BACKUP_S3_ENDPOINT are",
    );
    expect(read).not.toThrow(/wJalrXUtnFEMI/);
  });

  it("checks the bucket, the endpoint and the prefix's form", () => {
    const read = (env: Record<string, string>) => readBackupConfig({ ...complete, ...env });
    expect(() => read({ BACKUP_S3_BUCKET: "s3://acme-backups/db" })).toThrow(
      /BACKUP_S3_BUCKET: must be a bucket name alone, without s3:\/\/ or a path/,
    );
    expect(() => read({ BACKUP_S3_ENDPOINT: "r2.cloudflarestorage.com" })).toThrow(
      /BACKUP_S3_ENDPOINT: must be an http\(s\) URL/,
    );
    expect(() => read({ BACKUP_S3_FORCE_PATH_STYLE: "maybe" })).toThrow(/BACKUP_S3_FORCE_PATH_STYLE/);
    expect(read({ BACKUP_S3_PREFIX: "/prod/db" }).upload?.prefix).toBe("prod/db/");
    expect(read({ BACKUP_S3_PREFIX: "/" }).upload?.prefix).toBe("");
    expect(read({ BACKUP_S3_FORCE_PATH_STYLE: "true" }).upload?.forcePathStyle).toBe(true);
  });

  it("is checked by the app's environment validation too", () => {
    expect(() =>
      parseEnv(serverEnvSchema, {
        DATABASE_URL: "postgresql://localhost/app",
        BACKUP_S3_BUCKET: "acme-backups",
      }),
    ).toThrow("BACKUP_S3_BUCKET: is set, so BACKUP_S3_REGION");
  });
});
