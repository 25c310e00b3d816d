import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb, type Prisma } from "../db";
import { appLink, verifyEmailMail } from "../mail";
import { issueEmailToken, spendEmailToken } from "./email-links";
import {
  auditClient,
  countAgainstLimits,
  NOTHING_LEFT,
  type RequestClient,
  sendAfterAnswer,
} from "./flow-support";
import { forgetSessionUser } from "./session";

/** How long the link in a verification email works. */
export const VERIFICATION_TOKEN_TTL_MS = 24 * 60 * 60_000;

/**
 * Issues a verification token (deleting the user's older ones, so only the newest link works) in
 * `tx`, and returns the mail to send once `tx` has committed.
 */
export async function prepareVerificationEmail(
  tx: Pick<Prisma.TransactionClient, "authToken">,
  user: { id: string; email: string; name: string | null },
) {
  const token = await issueEmailToken(tx, {
    userId: user.id,
    purpose: "EMAIL_VERIFICATION",
    ttlMs: VERIFICATION_TOKEN_TTL_MS,
    replaceOlder: true,
  });
  return {
    to: user.email,
    ...verifyEmailMail({
      name: user.name ?? undefined,
      link: appLink("/verify-email", { token }),
      validForMinutes: VERIFICATION_TOKEN_TTL_MS / 60_000,
    }),
  };
}

/**
 * "Send the link again", for a signed-in user whose address is not verified yet. The answer is the
 * same whatever happens (sent, already verified, over the `verification-resend-account` limit, rate
 * limit store down): the page always says "if your address still needs verifying, a new link is on
 * its way". The mail goes out after the answer (`background`, see afterAnswer).
 */
export async function resendVerificationEmail(
  input: { userId: string } & RequestClient,
): Promise<{ background: Promise<void> }> {
  const actor = { type: "USER" as const, id: input.userId };
  if (await countAgainstLimits([["verification-resend-account", input.userId]], input, actor)) {
    return { background: NOTHING_LEFT };
  }
  const mail = await getDb().$transaction(async (tx) => {
    const user = await tx.user.findUnique({
      where: { id: input.userId },
      select: { id: true, email: true, name: true, emailVerifiedAt: true, disabledAt: true },
    });
    if (!user || user.emailVerifiedAt || user.disabledAt) return null;
    return prepareVerificationEmail(tx, user);
  });
  if (!mail) return { background: NOTHING_LEFT };
  return { background: sendAfterAnswer(mail, { purpose: "verification mail", userId: input.userId }) };
}

export type VerifyEmailResult = { ok: true; userId: string } | { ok: false; reason: "invalid_or_expired" };

/**
 * Spends a verification token and marks the address verified. Reached by a POST from the page the
 * link opens (never by the GET itself: mail scanners open links on their own).
 */
export async function verifyEmail(token: string, client: RequestClient): Promise<VerifyEmailResult> {
  const result = await getDb().$transaction(async (tx) => {
    const now = new Date();
    const spent = await spendEmailToken(tx, token, "EMAIL_VERIFICATION", now);
    if (!spent) return { ok: false, reason: "invalid_or_expired" } as const;
    // Only the first verification counts: a user who verified through a password reset keeps that time.
    await tx.user.updateMany({
      where: { id: spent.userId, emailVerifiedAt: null },
      data: { emailVerifiedAt: now },
    });
    await recordSecurityEvent(
      {
        action: "auth.email.verified",
        actor: { type: "USER", id: spent.userId },
        ...auditClient(client),
        metadata: { via: "verification_link" },
      },
      tx,
    );
    return { ok: true, userId: spent.userId } as const;
  });
  // The signed-in user's next request must see the address verified, not a cached row.
  if (result.ok) forgetSessionUser(result.userId);
  return result;
}
