import "server-only";
import type { PrismaClient } from "../db";
import type { EncryptionKey } from "./config";
import { reencryptSecret, SecretDecryptionError } from "./encryption";
import { totpContext } from "./mfa";

export type KeyRotationResult = {
  /** Users with an MFA secret stored. */
  scanned: number;
  /** Secrets moved to the current key (the first of AUTH_ENCRYPTION_KEYS). */
  rewritten: number;
  /** Secrets that could not be decrypted with any configured key: left as they are. */
  failed: { userId: string; reason: SecretDecryptionError["reason"] }[];
};

const BATCH = 500;

/**
 * Step two of rotating AUTH_ENCRYPTION_KEYS (decision 0007): re-encrypts every stored MFA secret with
 * the current key, so the old key can then be removed. Run after deploying "new,old" and before
 * deploying "new" alone. Safe to run again (secrets already on the current key are only checked) and
 * next to live traffic: each row is written only if it still holds the value that was read, so a
 * user who re-enrols meanwhile keeps their new secret. A secret no key opens is reported, not
 * changed: keep the old key until it is understood (that user can sign in with a recovery code and
 * enrol again).
 */
export async function reencryptMfaSecrets(
  db: PrismaClient,
  keys?: readonly EncryptionKey[],
): Promise<KeyRotationResult> {
  const result: KeyRotationResult = { scanned: 0, rewritten: 0, failed: [] };
  let after: string | undefined;
  for (;;) {
    const users = await db.user.findMany({
      where: { mfaSecretEncrypted: { not: null }, ...(after ? { id: { gt: after } } : {}) },
      select: { id: true, mfaSecretEncrypted: true },
      orderBy: { id: "asc" },
      take: BATCH,
    });
    for (const user of users) {
      const stored = user.mfaSecretEncrypted as string;
      result.scanned += 1;
      let rotated: string;
      try {
        rotated = reencryptSecret(stored, totpContext(user.id), keys);
      } catch (error) {
        if (!(error instanceof SecretDecryptionError)) throw error;
        result.failed.push({ userId: user.id, reason: error.reason });
        continue;
      }
      if (rotated === stored) continue;
      const { count } = await db.user.updateMany({
        where: { id: user.id, mfaSecretEncrypted: stored },
        data: { mfaSecretEncrypted: rotated },
      });
      result.rewritten += count;
    }
    if (users.length < BATCH) return result;
    after = users.at(-1)?.id;
  }
}
