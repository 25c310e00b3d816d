import { randomInt } from "node:crypto";
import { hashPassword, verifyPassword } from "./password";

// Recovery codes: one-time codes the user saves when turning on MFA, for when the authenticator app
// is lost. Each is 10 characters of Crockford base32 (50 random bits), shown as "xxxxx-xxxxx".
//
// Storage: NIST SP 800-63B rev. 4 (3.1.2.2) requires look-up secrets under 112 bits to be salted and
// hashed with a password hashing scheme. A plain SHA-256 of a 50-bit code could be brute-forced on a
// GPU in about a day, and without salt one pass would attack every user's codes at once. So each
// code gets its own argon2id hash (the same function as passwords): that costs ~20 ms per code at
// generation and per stored code at verification, which is fine for a rarely used path.
//
// Single use: matchRecoveryCode only finds the code. The caller passes the unused codes' hashes and
// then marks the matched one used with a conditional update (`usedAt` still null), so the code
// cannot be used again, not even by a concurrent request.

export const RECOVERY_CODE_COUNT = 10;
const CODE_LENGTH = 10;
/** Crockford's base32: no i, l, o or u, so codes read aloud or handwritten are not ambiguous. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** A code in its canonical form (10 lowercase characters, no dash), or null when it cannot be one. */
function canonicalCode(input: string): string | null {
  const code = input
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s-]/g, "")
    // Crockford's decoding rules for the letters left out of the alphabet.
    .replace(/[il]/g, "1")
    .replace(/o/g, "0");
  if (code.length !== CODE_LENGTH || [...code].some((char) => !ALPHABET.includes(char))) return null;
  return code;
}

function randomCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/**
 * New recovery codes. Show `codes` to the user once; store only `hashes` (argon2id PHC strings, one
 * per code, in the same order).
 */
export async function generateRecoveryCodes(
  count: number = RECOVERY_CODE_COUNT,
): Promise<{ codes: string[]; hashes: string[] }> {
  const codes = Array.from({ length: count }, randomCode);
  const hashes = await Promise.all(codes.map((code) => hashPassword(canonicalCode(code) as string)));
  return { codes, hashes };
}

/**
 * The index in `storedHashes` of the hash that matches the code the user typed (any case, with or
 * without the dash or spaces), or null when none does. The caller then marks that code used.
 */
export async function matchRecoveryCode(
  input: string,
  storedHashes: readonly string[],
): Promise<number | null> {
  const code = canonicalCode(input);
  if (code === null) return null;
  const matches = await Promise.all(storedHashes.map((hash) => verifyPassword(hash, code)));
  const index = matches.indexOf(true);
  return index === -1 ? null : index;
}
