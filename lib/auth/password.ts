import "server-only";
import { hash, verify } from "@node-rs/argon2";

// argon2id with OWASP's minimum recommended parameters (Password Storage Cheat Sheet): 19 MiB of
// memory, 2 passes, 1 lane. About 20-50 ms per hash on a small server: slow for an attacker with a
// stolen database, fast enough for a sign-in.
// `algorithm` is left out on purpose: argon2id is the library's default, and its `Algorithm` enum is a
// `const enum`, which TypeScript's isolatedModules (and so Next.js and Vitest) cannot import.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * True when a stored hash was made with other parameters than today's (or another algorithm), so the
 * caller should re-hash the password it just verified. Raising the parameters later upgrades every
 * account at its next sign-in.
 */
export function needsRehash(passwordHash: string): boolean {
  return !passwordHash.startsWith(
    `$argon2id$v=19$m=${OPTIONS.memoryCost},t=${OPTIONS.timeCost},p=${OPTIONS.parallelism}$`,
  );
}

/**
 * The form of a password that is checked, hashed and verified: Unicode NFKC, so the same characters
 * typed on different keyboards (a full-width "Ａ", a ligature "ﬁ") give the same password.
 * hashPassword and verifyPassword apply it themselves, so callers pass the password as typed.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** Hashes a password for storage (after NFKC normalisation, as every verification does). Returns a PHC string ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"). */
export function hashPassword(plain: string): Promise<string> {
  return hash(normalizePassword(plain), OPTIONS);
}

/**
 * True when `plain` matches `passwordHash`. The parameters come from the stored PHC string, so hashes
 * made with older parameters still verify. Throws when `passwordHash` is not an argon2 PHC string:
 * that is corrupt data, not a wrong password.
 */
export async function verifyPassword(passwordHash: string, plain: string): Promise<boolean> {
  try {
    return await verify(passwordHash, normalizePassword(plain));
  } catch (error) {
    throw new Error(
      `verifyPassword: the stored hash is not a valid argon2 PHC string ("$argon2id$v=19$..."): ${
        error instanceof Error ? error.message : String(error)
      }. Check what was saved in User.passwordHash.`,
    );
  }
}
