import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb } from "../db";
import { appLink, passwordChangedMail, passwordResetMail } from "../mail";
import { resetRateLimit } from "../ratelimit";
import { normalizeEmail } from "./email";
import { endLinksAfter, findUsableEmailToken, issueEmailToken, spendEmailToken } from "./email-links";
import { authFlowErrors } from "./errors";
import {
  afterAnswer,
  auditClient,
  enforceLimits,
  type RequestClient,
  requireAcceptablePassword,
  sendAfterAnswer,
} from "./flow-support";
import { hashPassword } from "./password";
import { revokeAllSessions } from "./session";

/** How long the link in a password reset email works. */
export const PASSWORD_RESET_TOKEN_TTL_MS = 30 * 60_000;

/**
 * "Forgot password": emails a reset link to the address if it has an account that can sign in.
 * The caller answers the same in every case ("if an account exists, a link is on its way") after
 * the same work: the two limits, counted whether or not the address is known. The lookup, the
 * token and the mail run after the answer, in `background` (afterAnswer), so the timing doesn't
 * tell the cases apart either. Issuing a link deletes the user's older ones.
 *
 * Throws AuthFlowError `rate_limited` / `rate_limit_unavailable` (`password-reset-ip`, then
 * `password-reset-account` keyed by the typed address, so a refusal doesn't depend on the account
 * existing either).
 */
export async function requestPasswordReset(
  input: { email: string } & RequestClient,
): Promise<{ background: Promise<void> }> {
  const email = normalizeEmail(input.email);
  await enforceLimits(
    [
      ["password-reset-ip", input.ip],
      ["password-reset-account", email],
    ],
    input,
  );
  return {
    background: afterAnswer({ purpose: "password reset request" }, () => issueResetLink(email, input)),
  };
}

async function issueResetLink(email: string, client: RequestClient): Promise<void> {
  const issued = await getDb().$transaction(async (tx) => {
    const user = await tx.user.findUnique({
      where: { email },
      select: { id: true, name: true, disabledAt: true },
    });
    // A disabled account can't sign in whatever its password: a link would only mislead.
    const eligible = user && !user.disabledAt;
    await recordSecurityEvent(
      {
        action: "auth.password_reset.requested",
        actor: { type: "ANONYMOUS" },
        target: user ? { type: "user", id: user.id } : null,
        ...auditClient(client),
        metadata: { outcome: !user ? "unknown_email" : eligible ? "link_sent" : "account_disabled" },
      },
      tx,
    );
    if (!eligible) return null;
    const token = await issueEmailToken(tx, {
      userId: user.id,
      purpose: "PASSWORD_RESET",
      ttlMs: PASSWORD_RESET_TOKEN_TTL_MS,
      replaceOlder: true,
    });
    return { user, token };
  });
  if (!issued) return;
  const mail = passwordResetMail({
    name: issued.user.name ?? undefined,
    link: appLink("/reset-password", { token: issued.token }),
    validForMinutes: PASSWORD_RESET_TOKEN_TTL_MS / 60_000,
  });
  await sendAfterAnswer({ ...mail, to: email }, { purpose: "password reset mail", userId: issued.user.id });
}

/** True when a reset link would still work; the page checks it before showing the form. Spends nothing. */
export async function isPasswordResetTokenUsable(token: string): Promise<boolean> {
  return (await findUsableEmailToken(getDb(), token, "PASSWORD_RESET")) !== null;
}

/**
 * Completes a reset: checks the new password against the policy (before spending the link, so a
 * refused password doesn't cost the person their link), then in one transaction spends the token,
 * sets the password, clears any lockout, marks the address verified (following the link proved
 * it), and revokes every session, so whoever knew the old password is signed out everywhere. After
 * the commit, clears the per-account sign-in rate limit (resetRateLimit). Emails the "your
 * password was changed" notice afterwards.
 *
 * Throws AuthFlowError `invalid_link` (unknown, used or expired) or `weak_password`.
 */
export async function resetPassword(
  input: { token: string; password: string } & RequestClient,
): Promise<{ userId: string; background: Promise<void> }> {
  const db = getDb();
  const pending = await findUsableEmailToken(db, input.token, "PASSWORD_RESET");
  if (!pending) throw authFlowErrors.invalidLink();
  const owner = await db.user.findUniqueOrThrow({ where: { id: pending.userId }, select: { email: true } });
  await requireAcceptablePassword(input.password, owner.email);
  const passwordHash = await hashPassword(input.password);

  const now = new Date();
  const user = await db.$transaction(async (tx) => {
    const spent = await spendEmailToken(tx, input.token, "PASSWORD_RESET", now);
    if (!spent) return null;
    const before = await tx.user.findUniqueOrThrow({
      where: { id: spent.userId },
      select: { emailVerifiedAt: true },
    });
    const user = await tx.user.update({
      where: { id: spent.userId },
      data: {
        passwordHash,
        failedSignInCount: 0,
        failedSignInWindowStartedAt: null,
        lockedUntil: null,
        emailVerifiedAt: before.emailVerifiedAt ?? now,
      },
      select: { id: true, email: true, name: true },
    });
    // Any other reset link still out there dies with this one, and so does every link a new
    // password breaks (LINKS_ENDED_BY).
    await endLinksAfter(tx, user.id, ["password"]);
    await revokeAllSessions(tx, user.id);
    const actor = { type: "USER" as const, id: user.id };
    await recordSecurityEvent({ action: "auth.password_reset.completed", actor, ...auditClient(input) }, tx);
    await recordSecurityEvent(
      {
        action: "auth.sessions.revoked",
        actor,
        ...auditClient(input),
        metadata: { reason: "password_reset" },
      },
      tx,
    );
    return user;
  });
  if (!user) throw authFlowErrors.invalidLink();
  // The lockout ended with the reset; so does the per-account sign-in limit the failures used up,
  // or the new password would be refused for the rest of its window.
  await resetRateLimit("sign-in-account", user.email);

  const mail = passwordChangedMail({
    name: user.name ?? undefined,
    link: appLink("/forgot-password"),
    changedAt: now,
  });
  return {
    userId: user.id,
    background: sendAfterAnswer(
      { ...mail, to: user.email },
      { purpose: "password-changed mail", userId: user.id },
    ),
  };
}
