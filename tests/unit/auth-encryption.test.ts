import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  authEnvSchema,
  checkAuthEnv,
  decryptSecret,
  encryptSecret,
  parseEncryptionKeys,
  readAuthConfig,
  reencryptSecret,
  SecretDecryptionError,
} from "@/lib/auth";
import { envProblems } from "../support/env";

const newKey = () => randomBytes(32).toString("base64");
const OLD = `old:${newKey()}`;
const NEW = `new:${newKey()}`;
const oldOnly = parseEncryptionKeys(OLD);
const rotated = parseEncryptionKeys(`${NEW},${OLD}`);
const CONTEXT = "user:42:totp";
const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/** The error decryptSecret throws, to check its reason and message. */
function decryptionError(run: () => unknown): SecretDecryptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof SecretDecryptionError) return error;
    throw error;
  }
  throw new Error("expected a SecretDecryptionError, nothing was thrown");
}

/** Flips one bit of one byte of a base64url part of the stored value. */
function tamper(stored: string, part: 2 | 3 | 4): string {
  const parts = stored.split(".");
  const bytes = Buffer.from(parts[part] as string, "base64url");
  bytes[0] = (bytes[0] as number) ^ 1;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

describe("encryptSecret / decryptSecret", () => {
  it("round-trips, in a versioned self-describing format", () => {
    const stored = encryptSecret(SECRET, CONTEXT, rotated);
    expect(stored).toMatch(/^v1\.new\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(stored).not.toContain(SECRET);
    expect(decryptSecret(stored, CONTEXT, rotated)).toBe(SECRET);
  });

  it("uses a fresh IV every time", () => {
    expect(encryptSecret(SECRET, CONTEXT, rotated)).not.toBe(encryptSecret(SECRET, CONTEXT, rotated));
  });

  it("keeps old ciphertexts readable after a rotation, and reencryptSecret moves them to the new key", () => {
    const before = encryptSecret(SECRET, CONTEXT, oldOnly);
    expect(before.split(".")[1]).toBe("old");
    expect(decryptSecret(before, CONTEXT, rotated)).toBe(SECRET);

    const after = reencryptSecret(before, CONTEXT, rotated);
    expect(after.split(".")[1]).toBe("new");
    expect(decryptSecret(after, CONTEXT, rotated)).toBe(SECRET);
    // Already on the current key: returned unchanged, so a rotation job can skip the write.
    expect(reencryptSecret(after, CONTEXT, rotated)).toBe(after);
    // Once the old key is dropped, only the re-encrypted value still decrypts.
    const newOnly = rotated.slice(0, 1);
    expect(decryptSecret(after, CONTEXT, newOnly)).toBe(SECRET);
    expect(decryptionError(() => decryptSecret(before, CONTEXT, newOnly)).reason).toBe("unknown-key");
  });

  it("refuses a value with any one byte changed", () => {
    const stored = encryptSecret(SECRET, CONTEXT, rotated);
    for (const part of [2, 3, 4] as const) {
      const error = decryptionError(() => decryptSecret(tamper(stored, part), CONTEXT, rotated));
      expect(error.reason).toBe("authentication-failed");
      expect(error.message).toMatch(/altered.*another record/);
    }
  });

  it("refuses a value copied to another user's row (different context)", () => {
    const stored = encryptSecret(SECRET, CONTEXT, rotated);
    expect(decryptionError(() => decryptSecret(stored, "user:43:totp", rotated)).reason).toBe(
      "authentication-failed",
    );
  });

  it("refuses a key id that is not configured, naming it and the configured ones", () => {
    const stored = encryptSecret(SECRET, CONTEXT, parseEncryptionKeys(`gone:${newKey()}`));
    const error = decryptionError(() => decryptSecret(stored, CONTEXT, rotated));
    expect(error.reason).toBe("unknown-key");
    expect(error.message).toContain('key id "gone"');
    expect(error.message).toContain("configured: new, old");
  });

  it("refuses a key id whose key value changed", () => {
    const stored = encryptSecret(SECRET, CONTEXT, oldOnly);
    const replaced = parseEncryptionKeys(`old:${newKey()}`);
    expect(decryptionError(() => decryptSecret(stored, CONTEXT, replaced)).reason).toBe(
      "authentication-failed",
    );
  });

  it("says what is wrong with a malformed value", () => {
    const stored = encryptSecret(SECRET, CONTEXT, rotated);
    const cases: Array<[string, RegExp]> = [
      ["not encrypted at all", /1 dot-separated parts instead of 5/],
      [stored.replace(/^v1/, "v9"), /unknown version "v9"/],
      [stored.replace(/\.[^.]+$/, ".!!!"), /not base64url/],
      [stored.replace(/^(v1\.new\.)[^.]+/, "$1AAAA"), /the IV is 3 bytes, not 12/],
    ];
    for (const [value, message] of cases) {
      const error = decryptionError(() => decryptSecret(value, CONTEXT, rotated));
      expect(error.reason).toBe("malformed");
      expect(error.message).toMatch(message);
    }
  });

  it("requires a context", () => {
    expect(() => encryptSecret(SECRET, "", rotated)).toThrow(/non-empty context/);
  });

  it("works with the development key when AUTH_ENCRYPTION_KEYS is unset outside production", () => {
    const stored = encryptSecret(SECRET, CONTEXT);
    expect(stored.split(".")[1]).toBe("development");
    expect(decryptSecret(stored, CONTEXT)).toBe(SECRET);
  });
});

const problemsOf = (env: Record<string, string>) => envProblems(() => readAuthConfig(env));

describe("auth configuration", () => {
  const production = {
    NODE_ENV: "production",
    AUTH_SECRET: "x".repeat(32),
    AUTH_ENCRYPTION_KEYS: `${NEW},${OLD}`,
  };

  it("parses the key list in order: the first key encrypts", () => {
    const config = readAuthConfig(production);
    expect(config.encryptionKeys.map((key) => key.id)).toEqual(["new", "old"]);
    expect(config.encryptionKeys[0]?.key).toHaveLength(32);
    expect(config.passwordMinLength).toBe(15);
    expect(config.pwnedPasswordsCheck).toBe(false);
  });

  it("falls back to labelled development values outside production", () => {
    const config = readAuthConfig({ NODE_ENV: "development" });
    expect(config.encryptionKeys.map((key) => key.id)).toEqual(["development"]);
    expect(config.authSecret).toMatch(/development-only/);
  });

  it("requires real secrets in production", () => {
    expect(problemsOf({ NODE_ENV: "production" })).toEqual([
      expect.stringMatching(/^AUTH_SECRET: is required in production/),
      expect.stringMatching(/^AUTH_ENCRYPTION_KEYS: is required in production/),
    ]);
    const development = readAuthConfig({ NODE_ENV: "development" });
    const developmentKey = development.encryptionKeys[0]?.key.toString("base64");
    expect(
      problemsOf({
        NODE_ENV: "production",
        AUTH_SECRET: development.authSecret,
        AUTH_ENCRYPTION_KEYS: `${NEW},copied:${developmentKey}`,
      }),
    ).toEqual([
      expect.stringMatching(/^AUTH_SECRET: is the public development secret/),
      expect.stringMatching(/^AUTH_ENCRYPTION_KEYS: contains the public development key/),
    ]);
    expect(problemsOf(production)).toEqual([]);
  });

  it("explains a malformed key list without printing the keys", () => {
    const secretLooking = newKey();
    const cases: Array<[string, RegExp]> = [
      [secretLooking, /entry 1 is not in the form keyId:base64key/],
      [`${NEW},bad.id:${newKey()}`, /entry 2 has the key id "bad.id"/],
      [`short:${randomBytes(16).toString("base64")}`, /entry 1 \(key id "short"\) is not 32 bytes of base64/],
      [`k:${newKey()}`.replace(/.$/, "*"), /is not 32 bytes of base64/],
      [`${NEW},${NEW.replace(/:.*/, `:${newKey()}`)}`, /entry 2 repeats the key id "new"/],
    ];
    for (const [value, message] of cases) {
      const problems = problemsOf({ AUTH_ENCRYPTION_KEYS: value });
      expect(problems).toEqual([expect.stringMatching(message)]);
      expect(problems[0]).toMatch(/^AUTH_ENCRYPTION_KEYS: /);
      expect(problems[0]).not.toContain(secretLooking);
    }
  });

  it("keeps PASSWORD_MIN_LENGTH within NIST's range", () => {
    expect(readAuthConfig({ PASSWORD_MIN_LENGTH: "8" }).passwordMinLength).toBe(8);
    expect(problemsOf({ PASSWORD_MIN_LENGTH: "7" })).toEqual([
      expect.stringMatching(/^PASSWORD_MIN_LENGTH: must be at least 8 .*MFA/),
    ]);
    expect(problemsOf({ PASSWORD_MIN_LENGTH: "65" })).toEqual([
      expect.stringMatching(/^PASSWORD_MIN_LENGTH: must be at most 64/),
    ]);
  });

  it("exports the schema and its production rule for lib/env to compose", () => {
    const composed = z.object({ NODE_ENV: z.string() }).extend(authEnvSchema.shape).superRefine(checkAuthEnv);
    expect(composed.safeParse({ NODE_ENV: "production" }).success).toBe(false);
    expect(Object.keys(authEnvSchema.shape)).toContain("AUTH_ENCRYPTION_KEYS");
  });
});
