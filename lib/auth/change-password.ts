import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb } from "../db";
import { appLink, passwordChangedMail } from "../mail";
import { confirmIdentity } from "./confirm-identity";
import { endLinksAfter } from "./email-links";
import { auditClient, type RequestClient, requireAcceptablePassword, sendAfterAnswer } from "./flow-support";
import { hashPassword } from "./password";
import { revokeAllSessions } from "./session";

export type ChangePasswordInput = {
  userId: string;
  /** Needed unless the session re-authenticated within the last 10 minutes (`authAt`). */
  currentPassword?: string | undefined;
  newPassword: string;
  /** When the session last proved a password or TOTP (ms): SessionClaims.authAt. */
  authAt: number;
} & RequestClient;

/**
 * A signed-in user sets a new password: identity confirmed (current password, or a step-up within
 * 10 minutes), the new one checked against the policy, then in one transaction the hash is replaced
 * and every session is revoked. Returns the user's new sessionVersion, so the caller can re-issue
 * the current session with it (the one session that should survive); without that, the current
 * session ends too. Emails the "your password was changed" notice.
 *
 * Throws AuthFlowError: `current_password_required`, `wrong_password`, `step_up_required`,
 * `rate_limited` / `rate_limit_unavailable` (`reauth-account`), `weak_password` (field `newPassword`).
 */
export async function changePassword(
  input: ChangePasswordInput,
): Promise<{ sessionVersion: number; background: Promise<void> }> {
  const db = getDb();
  const user = await db.user.findUniqueOrThrow({
    where: { id: input.userId },
    select: { id: true, email: true, name: true, passwordHash: true },
  });
  await confirmIdentity({
    user,
    currentPassword: input.currentPassword,
    authAt: input.authAt,
    client: input,
  });
  await requireAcceptablePassword(input.newPassword, user.email, "newPassword");
  const passwordHash = await hashPassword(input.newPassword);

  const now = new Date();
  const sessionVersion = await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await revokeAllSessions(tx, user.id);
    await endLinksAfter(tx, user.id, ["password"]);
    const actor = { type: "USER" as const, id: user.id };
    await recordSecurityEvent({ action: "auth.password.changed", actor, ...auditClient(input) }, tx);
    await recordSecurityEvent(
      {
        action: "auth.sessions.revoked",
        actor,
        ...auditClient(input),
        metadata: { reason: "password_changed" },
      },
      tx,
    );
    const after = await tx.user.findUniqueOrThrow({
      where: { id: user.id },
      select: { sessionVersion: true },
    });
    return after.sessionVersion;
  });

  const mail = passwordChangedMail({
    name: user.name ?? undefined,
    link: appLink("/forgot-password"),
    changedAt: now,
  });
  return {
    sessionVersion,
    background: sendAfterAnswer(
      { ...mail, to: user.email },
      { purpose: "password-changed mail", userId: user.id },
    ),
  };
}
