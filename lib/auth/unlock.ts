import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb } from "../db";
import { logger } from "../log";
import { accountLockedMail, appLink, sendMail } from "../mail";
import { resetRateLimit } from "../ratelimit";
import { issueEmailToken, spendEmailToken } from "./email-links";

/** How long the unlock link in the lockout email works. */
export const UNLOCK_TOKEN_TTL_MS = 24 * 60 * 60_000;

/**
 * Emails the owner of a just-locked account an unlock link. Issuing a link deletes older ones. A
 * delivery failure is logged and not thrown: the lock itself already protects the account, and the
 * sign-in answer must look the same either way.
 */
export async function sendUnlockEmail(userId: string, now = new Date()): Promise<void> {
  const { token, user } = await getDb().$transaction(async (tx) => ({
    token: await issueEmailToken(tx, {
      userId,
      purpose: "ACCOUNT_UNLOCK",
      ttlMs: UNLOCK_TOKEN_TTL_MS,
      replaceOlder: true,
      now,
    }),
    user: await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, name: true } }),
  }));
  const mail = accountLockedMail({
    name: user.name ?? undefined,
    link: appLink("/unlock", { token }),
    validForMinutes: UNLOCK_TOKEN_TTL_MS / 60_000,
  });
  try {
    await sendMail({ ...mail, to: user.email });
  } catch (error) {
    logger.error(
      { err: error, userId },
      "lockout email could not be sent; the account stays locked until it expires",
    );
  }
}

/** `userId`: the unlocked account, whose device the opening browser becomes (rememberThisDevice). */
export type UnlockResult = { ok: true; userId: string } | { ok: false; reason: "invalid_or_expired" };

/**
 * Spends an unlock token: clears the lock and the failure count, then, once that has committed, the
 * per-account sign-in rate limit. The failures that locked the account also used that limit up;
 * left alone it would refuse the owner's right password for the rest of its window. The token is
 * single-use (a conditional update marks it used), so two clicks can't both count.
 */
export async function unlockAccount(
  token: string,
  client: { ip?: string | null } = {},
): Promise<UnlockResult> {
  const now = new Date();
  const unlocked = await getDb().$transaction(async (tx) => {
    const userId = (await spendEmailToken(tx, token, "ACCOUNT_UNLOCK", now))?.userId;
    if (!userId) return null;
    const user = await tx.user.update({
      where: { id: userId },
      data: { lockedUntil: null, failedSignInCount: 0, failedSignInWindowStartedAt: null },
      select: { id: true, email: true },
    });
    await recordSecurityEvent(
      {
        action: "auth.unlock",
        actor: { type: "USER", id: userId },
        ip: client.ip ?? null,
        metadata: { via: "email_link" },
      },
      tx,
    );
    return user;
  });
  if (!unlocked) return { ok: false, reason: "invalid_or_expired" };
  await resetRateLimit("sign-in-account", unlocked.email);
  return { ok: true, userId: unlocked.id };
}
