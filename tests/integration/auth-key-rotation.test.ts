// Rotating AUTH_ENCRYPTION_KEYS (decision 0007, docs/RUNBOOK.md): stored MFA secrets move to the new
// key and still produce the same codes; a secret no key opens is reported and left alone; a second
// run changes nothing. On PostgreSQL; the database is shared with other test files, so the checks
// look at this file's users only.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  encryptSecret,
  generateTotpSecret,
  parseEncryptionKeys,
  reencryptMfaSecrets,
} from "@/lib/auth";
import { testDb } from "../support/db";
import { createTestUser } from "../support/users";

const keyValue = () => randomBytes(32).toString("base64");
const OLD = `k1:${keyValue()}`;
const NEW = `k2:${keyValue()}`;
const context = (userId: string) => `user:${userId}:totp`;

/** A user enrolled in MFA, their secret encrypted with `keys`' first key. */
async function enrolledUser(keys: string) {
  const user = await createTestUser();
  const secret = generateTotpSecret();
  const stored = encryptSecret(secret, context(user.id), parseEncryptionKeys(keys));
  await testDb().user.update({
    where: { id: user.id },
    data: { mfaSecretEncrypted: stored, mfaEnabledAt: new Date() },
  });
  return { id: user.id, secret, stored };
}

const storedSecretOf = async (userId: string) =>
  (await testDb().user.findUniqueOrThrow({ where: { id: userId }, omit: { mfaSecretEncrypted: false } }))
    .mfaSecretEncrypted as string;

describe("reencryptMfaSecrets", () => {
  it("moves every secret to the current key, reports one no key opens, and is a no-op the second time", async () => {
    const a = await enrolledUser(OLD);
    const b = await enrolledUser(OLD);
    const lost = await enrolledUser(`k9:${keyValue()}`);
    const rotated = parseEncryptionKeys(`${NEW},${OLD}`);

    const result = await reencryptMfaSecrets(testDb(), rotated);
    expect(result.failed).toContainEqual({ userId: lost.id, reason: "unknown-key" });
    expect(result.failed.map((failure) => failure.userId)).not.toContain(a.id);
    expect(result.rewritten).toBeGreaterThanOrEqual(2);

    // The old key can go: the new one alone opens both, to the same secret (the same TOTP codes).
    const newOnly = parseEncryptionKeys(NEW);
    for (const user of [a, b]) {
      const stored = await storedSecretOf(user.id);
      expect(stored.startsWith("v1.k2.")).toBe(true);
      expect(decryptSecret(stored, context(user.id), newOnly)).toBe(user.secret);
    }
    expect(await storedSecretOf(lost.id)).toBe(lost.stored);

    const before = await storedSecretOf(a.id);
    await reencryptMfaSecrets(testDb(), rotated);
    expect(await storedSecretOf(a.id)).toBe(before);
  });

  it("never overwrites a secret that changed after it was read (a re-enrolment meanwhile)", async () => {
    const user = await enrolledUser(OLD);
    const reenrolled = encryptSecret(generateTotpSecret(), context(user.id), parseEncryptionKeys(NEW));
    // The row the rotation read is replaced before its write, as a concurrent enrolment would.
    const db = testDb();
    const racing = new Proxy(db, {
      get(target, property) {
        if (property !== "user") return Reflect.get(target, property);
        return new Proxy(target.user, {
          get(users, method) {
            if (method !== "updateMany") return Reflect.get(users, method);
            return async (args: Parameters<typeof users.updateMany>[0]) => {
              if (args.where?.id === user.id) {
                await users.update({ where: { id: user.id }, data: { mfaSecretEncrypted: reenrolled } });
              }
              return users.updateMany(args);
            };
          },
        });
      },
    });
    await reencryptMfaSecrets(racing, parseEncryptionKeys(`${NEW},${OLD}`));
    expect(await storedSecretOf(user.id)).toBe(reenrolled);
  });
});

describe("npm run auth:reencrypt", () => {
  it("re-encrypts with the first key of AUTH_ENCRYPTION_KEYS and exits 1 naming the user whose secret no key opens", async () => {
    const user = await enrolledUser(OLD);
    const lost = await enrolledUser(`k9:${keyValue()}`);
    const run = promisify(execFile)(
      process.execPath,
      ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/rotate-encryption-keys.ts"],
      { env: { ...process.env, AUTH_ENCRYPTION_KEYS: `${NEW},${OLD}` } },
    );
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        `user ${lost.id}: the MFA secret opens with no configured key (unknown-key)`,
      ),
    });
    expect((await storedSecretOf(user.id)).startsWith("v1.k2.")).toBe(true);
  });
});
