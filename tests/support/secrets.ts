// Every kind of secret the app stores, for the tests that check none of them leaves the server: the
// API's answers (tests/integration/no-secrets-in-responses.test.ts) and the pages
// (tests/e2e/no-secrets.spec.ts, whose accounts tests/e2e/no-secrets-users.ts makes with tsx). No
// vitest or testDb here, so that script can import it too: callers pass their own Prisma client. And
// lib/auth is imported only when giveEverySecret runs: it is server-only, and the Playwright spec,
// which reads SECRET_MARKERS, is not run with the react-server condition.
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../../lib/db";

/** Strings that are never in an answer or a page whatever the data: the argon2 prefix and the secret columns' names. */
export const SECRET_MARKERS = ["$argon2", "passwordHash", "mfaSecret", "tokenHash", "codeHash"];

/** Every kind of emailed token, each stored hashed. */
export const AUTH_TOKEN_PURPOSES = [
  "EMAIL_VERIFICATION",
  "PASSWORD_RESET",
  "ACCOUNT_UNLOCK",
  "EMAIL_CHANGE",
  "EMAIL_CHANGE_UNDO",
] as const;

/**
 * Gives a user every kind of stored secret: `passwordHash`, MFA on with a TOTP secret encrypted with
 * the app's key, recovery codes and one pending token of each kind. Returns the TOTP secret, the
 * plaintexts (which must never appear either) and the values stored.
 */
export async function giveEverySecret(db: PrismaClient, userId: string, passwordHash: string) {
  // A caller that read the hash from a query that didn't ask for it (secret columns are omitted by
  // default) would pass undefined, and the searches built on `stored` would look for nothing.
  if (typeof passwordHash !== "string" || !passwordHash.startsWith("$argon2")) {
    throw new Error(
      "giveEverySecret: pass the argon2 hash (select it: queries omit passwordHash unless asked)",
    );
  }
  const { createToken, encryptSecret, generateRecoveryCodes, generateTotpSecret, hashToken } = await import(
    "../../lib/auth"
  );
  const totpSecret = generateTotpSecret();
  const mfaSecretEncrypted = encryptSecret(totpSecret, `user:${userId}:totp`);
  await db.user.update({
    where: { id: userId },
    data: { passwordHash, mfaSecretEncrypted, mfaEnabledAt: new Date() },
  });
  const recovery = await generateRecoveryCodes();
  await db.recoveryCode.createMany({ data: recovery.hashes.map((codeHash) => ({ userId, codeHash })) });
  const tokens = AUTH_TOKEN_PURPOSES.map((purpose) => ({ purpose, token: createToken() }));
  await db.authToken.createMany({
    data: tokens.map(({ purpose, token }) => ({
      userId,
      purpose,
      tokenHash: hashToken(token),
      email: purpose.startsWith("EMAIL_CHANGE") ? `new-${randomBytes(4).toString("hex")}@example.com` : null,
      expiresAt: new Date(Date.now() + 60 * 60_000),
    })),
  });
  return {
    totpSecret,
    plaintexts: [totpSecret, ...recovery.codes, ...tokens.map(({ token }) => token)],
    stored: [
      passwordHash,
      mfaSecretEncrypted,
      ...recovery.hashes,
      ...tokens.map(({ token }) => hashToken(token)),
    ],
  };
}
