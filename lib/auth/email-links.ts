import "server-only";
import type { Prisma } from "../db";
import { createToken, hashToken } from "./tokens";

// The single-use tokens behind every emailed link (verification, reset, unlock, email change and its
// undo). The link carries the token; the AuthToken row stores only its SHA-256 (tokens.ts).

type TokenDb = Pick<Prisma.TransactionClient, "authToken">;
type AuthTokenPurpose = Prisma.AuthTokenUncheckedCreateInput["purpose"];

/**
 * Creates a token for `userId` and returns it (for the link). With `replaceOlder`, the user's other
 * tokens of the same purpose are deleted first, so only the newest link works. Pass the transaction
 * of the change that goes with it.
 */
export async function issueEmailToken(
  db: TokenDb,
  input: {
    userId: string;
    purpose: AuthTokenPurpose;
    ttlMs: number;
    /** EMAIL_CHANGE: the new address; EMAIL_CHANGE_UNDO: the address to restore. */
    email?: string;
    replaceOlder: boolean;
    now?: Date;
  },
): Promise<string> {
  const now = input.now ?? new Date();
  if (input.replaceOlder) {
    await db.authToken.deleteMany({ where: { userId: input.userId, purpose: input.purpose } });
  }
  const token = createToken();
  await db.authToken.create({
    data: {
      userId: input.userId,
      purpose: input.purpose,
      tokenHash: hashToken(token),
      email: input.email ?? null,
      expiresAt: new Date(now.getTime() + input.ttlMs),
    },
  });
  return token;
}

/**
 * Marks a token used, if it is of `purpose`, unused and unexpired, and returns its user and address;
 * null otherwise. One conditional UPDATE, so two requests with the same link can't both spend it.
 */
export async function spendEmailToken(
  db: TokenDb,
  token: string,
  purpose: AuthTokenPurpose,
  now = new Date(),
): Promise<{ userId: string; email: string | null } | null> {
  const [spent] = await db.authToken.updateManyAndReturn({
    where: { tokenHash: hashToken(token), purpose, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
    select: { userId: true, email: true },
  });
  return spent ?? null;
}

/** The user of a token that would still work (read-only: nothing is spent), or null. */
export async function findUsableEmailToken(
  db: TokenDb,
  token: string,
  purpose: AuthTokenPurpose,
  now = new Date(),
): Promise<{ userId: string } | null> {
  return db.authToken.findFirst({
    where: { tokenHash: hashToken(token), purpose, usedAt: null, expiresAt: { gt: now } },
    select: { userId: true },
  });
}

/** A change to the account that can break what an outstanding emailed link means. */
export type AccountChange = "password" | "email" | "mfa";

/**
 * Which changes end the outstanding (unspent) links of each purpose, and why: every purpose has an
 * entry, so a new kind of link can't be added without deciding. A link dies when the change makes
 * it mean something its sender didn't (issue 11: a reset link requested before a password change
 * still reset the new password). Checked purpose by change by
 * tests/integration/auth-token-invalidation.test.ts. Not here: invitations (an organization's, sent
 * to whoever is invited; nothing about the inviter's account changes what they mean).
 */
export const LINKS_ENDED_BY: Record<AuthTokenPurpose, readonly AccountChange[]> = {
  // Asked for against the account's old credentials or old address: a reset after a password, an
  // address or an MFA change must be asked for again, by whoever holds the account now.
  PASSWORD_RESET: ["password", "email", "mfa"],
  // A pending change to a new address was asked for by whoever held the session; after the owner
  // changes the password or MFA (typically recovering from a takeover), it mustn't still go through.
  EMAIL_CHANGE: ["password", "email", "mfa"],
  // Proves the address it was sent to; after an address change that is no longer the account's.
  EMAIL_VERIFICATION: ["email"],
  // Ends a lockout for the person at the address it was sent to: a new address is someone else's;
  // a password reset ends the lockout itself, and a changed password starts over.
  ACCOUNT_UNLOCK: ["password", "email"],
  // The old address's way back from a hijack (decision 0011): a hijacker who then changes the
  // password, the MFA or the address again must not cancel it. Spending one (the undo) cancels the
  // others, in undoEmailChange.
  EMAIL_CHANGE_UNDO: [],
};

/**
 * Deletes the user's unspent links that these changes end (LINKS_ENDED_BY). Call it in the
 * transaction of the change, with the revocation of the sessions.
 */
export async function endLinksAfter(
  db: TokenDb,
  userId: string,
  changes: readonly AccountChange[],
): Promise<void> {
  const purposes = (Object.keys(LINKS_ENDED_BY) as AuthTokenPurpose[]).filter((purpose) =>
    LINKS_ENDED_BY[purpose].some((change) => changes.includes(change)),
  );
  if (purposes.length === 0) return;
  await db.authToken.deleteMany({ where: { userId, purpose: { in: purposes }, usedAt: null } });
}
