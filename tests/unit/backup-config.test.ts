import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { readBackupConfig, requireEncryption, requireRestoreKeys } from "@/lib/backup";
import { parseEnv, serverEnvSchema } from "@/lib/env";

const key = () => randomBytes(32).toString("base64");
const identity = await generateIdentity();
const recipient = await identityToRecipient(identity);
const otherRecipient = await identityToRecipient(await generateIdentity());

describe("readBackupConfig", () => {
  it("has safe defaults; encrypts to the recipients; keeps format 1's keys for restores only", () => {
    const current = key();
    const older = key();
    const config = readBackupConfig({
      BACKUP_RECIPIENTS: `${recipient},\n ${otherRecipient}`,
      BACKUP_ENCRYPTION_KEY: current,
      BACKUP_ENCRYPTION_KEYS: `k0:${older}`,
    });
    expect(config).toMatchObject({ dir: ".data/backups", keepDaily: 7, keepWeekly: 4 });
    expect(config.encryption).toEqual({ format: "age", recipients: [recipient, otherRecipient] });
    expect([...config.keyring.keys()].sort()).toEqual(["k0", "k1"]);
    expect(config.keyring.get("k0")?.toString("base64")).toBe(older);
  });

  it("refuses what is not an age public key, and never echoes a private key pasted as a recipient", () => {
    const read = (value: string) => () => readBackupConfig({ BACKUP_RECIPIENTS: value });
    expect(read("age1notakey")).toThrow(/BACKUP_RECIPIENTS: entry 1 is not an age X25519 public key/);
    // One changed character: the bech32 checksum fails.
    const typo = recipient.slice(0, -1) + (recipient.endsWith("q") ? "p" : "q");
    expect(read(`${recipient} ${typo}`)).toThrow(/entry 2 is not an age X25519 public key/);
    expect(read(identity)).toThrow(/entry 1 is a private key \(an identity\): put its public key here/);
    expect(read(identity)).not.toThrow(new RegExp(identity.slice(16, 40)));
    expect(() => readBackupConfig({ BACKUP_IDENTITY: `${identity}\nAGE-SECRET-KEY-1NOPE` })).toThrow(
      /BACKUP_IDENTITY: entry 2 is not an age identity/,
    );
  });

  it("takes a passphrase instead of recipients, never both, and not a short one", () => {
    expect(readBackupConfig({ BACKUP_PASSPHRASE: "four random words here" }).encryption).toEqual({
      format: "age",
      passphrase: "four random words here",
    });
    expect(() =>
      readBackupConfig({ BACKUP_PASSPHRASE: "four random words here", BACKUP_RECIPIENTS: recipient }),
    ).toThrow(/BACKUP_PASSPHRASE: is set together with BACKUP_RECIPIENTS/);
    expect(() => readBackupConfig({ BACKUP_PASSPHRASE: "short" })).toThrow(/at least 16 characters/);
  });

  it("a host with recipients only cannot decrypt: restores happen where the identity is", async () => {
    const appServer = readBackupConfig({ BACKUP_RECIPIENTS: recipient });
    await expect(requireRestoreKeys(appServer)).rejects.toMatchObject({
      code: "key-not-configured",
      message: expect.stringMatching(/no identity is configured on this host.*restore host/),
    });
    const dir = await mkdtemp(path.join(tmpdir(), "shipshape-identity-"));
    const file = path.join(dir, "key.txt");
    await writeFile(file, `# created: today\n# public key: ${recipient}\n${identity}\n`);
    const restoreHost = readBackupConfig({ BACKUP_IDENTITY_FILE: file });
    expect((await requireRestoreKeys(restoreHost)).identities).toEqual([identity]);
    expect((await requireRestoreKeys(appServer, [file])).identities).toEqual([identity]);
    const broken = path.join(dir, "broken.txt");
    await writeFile(broken, `${identity}x\n`);
    const refused = requireRestoreKeys(readBackupConfig({ BACKUP_IDENTITY_FILE: broken }));
    await expect(refused).rejects.toThrow(/line 1 of the identity file .* is not an age identity/);
    await expect(refused).rejects.not.toThrow(new RegExp(identity.slice(16, 40)));
    await expect(requireRestoreKeys(appServer, [path.join(dir, "missing.txt")])).rejects.toThrow(
      /cannot read the identity file .*missing\.txt \(ENOENT\)/,
    );
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

  it("requires recipients to make a backup, saying how to make them, and how to leave format 1", () => {
    expect(() => requireEncryption(readBackupConfig({}))).toThrow(
      /BACKUP_RECIPIENTS is not set: backups are always encrypted.*age-keygen -o backup-identity\.txt/,
    );
    expect(() => requireEncryption(readBackupConfig({ BACKUP_ENCRYPTION_KEY: key() }))).toThrow(
      /BACKUP_ENCRYPTION_KEY no longer encrypts new backups.*set BACKUP_RECIPIENTS.*move BACKUP_ENCRYPTION_KEY/,
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
    expect(() =>
      parseEnv(serverEnvSchema, {
        DATABASE_URL: "postgresql://localhost/app",
        BACKUP_RECIPIENTS: recipient,
        BACKUP_PASSPHRASE: "four random words here",
      }),
    ).toThrow("BACKUP_PASSPHRASE: is set together with BACKUP_RECIPIENTS");
  });
});
