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
