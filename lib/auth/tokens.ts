import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// Single-use tokens sent by email: verification, password reset, account unlock, invitations.
// The link carries the token; the database stores only its SHA-256. A fast hash is enough: the
// token is 256 random bits, far beyond guessing (NIST SP 800-63B allows an approved one-way hash for
// random secrets of 112 bits or more), and a stolen table of hashes cannot be turned back into links.

/** A new random token: 32 bytes from the CSPRNG, base64url (43 characters, safe in a URL). */
export function createToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The SHA-256 of a token, hex. Store and look up this value, never the token itself. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * True when both strings are equal, in time that does not depend on where they differ. Both sides
 * are hashed first so strings of different lengths compare in constant time too. Looking a token up
 * by its hash in the database needs no such comparison; use this when comparing in memory.
 */
export function tokensEqual(a: string, b: string): boolean {
  const digestA = createHash("sha256").update(a, "utf8").digest();
  const digestB = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(digestA, digestB);
}
