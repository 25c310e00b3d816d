import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb, Prisma } from "../db";
import { appLink, confirmEmailChangeMail, emailChangedMail } from "../mail";
import { confirmIdentity } from "./confirm-identity";
import { normalizeEmail } from "./email";
import { endLinksAfter, issueEmailToken, spendEmailToken } from "./email-links";
import { authFlowErrors } from "./errors";
import {
  afterAnswer,
  auditClient,
  enforceLimits,
  NOTHING_LEFT,
  type RequestClient,
  sendAfterAnswer,
} from "./flow-support";
import { revokeAllSessions } from "./session";

/** How long the confirmation link sent to the new address works. */
export const EMAIL_CHANGE_TOKEN_TTL_MS = 24 * 60 * 60_000;
/** How long the old address can undo a change. */
export const EMAIL_CHANGE_UNDO_TTL_MS = 7 * 24 * 60 * 60_000;

const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1);

/**
 * Step one of an email change: after the identity check (current password, or a step-up within 10
 * minutes) and the `email-change-account` limit, the new address gets a confirmation link. Nothing
 * changes until it is opened. An address that already belongs to another account gets nothing, and
 * the caller answers the same ("if the address can be used, a link is on its way"), after the same
 * work: the check of the address, the token and the mail run after the answer (`background`), so
 * this can't be used to find accounts. A new request replaces the pending one.
 *
 * Throws AuthFlowError: `same_email`, `rate_limited` / `rate_limit_unavailable`, `current_password_required`,
 * `wrong_password`, `step_up_required`.
 */
export async function requestEmailChange(
  input: {
    userId: string;
    newEmail: string;
    currentPassword?: string | undefined;
    authAt: number;
  } & RequestClient,
): Promise<{ background: Promise<void> }> {
  const db = getDb();
  const newEmail = normalizeEmail(input.newEmail);
  const user = await db.user.findUniqueOrThrow({
    where: { id: input.userId },
    select: { id: true, email: true, passwordHash: true },
  });
  if (user.email === newEmail) throw authFlowErrors.sameEmail();
  await enforceLimits([["email-change-account", user.id]], input, { type: "USER", id: user.id });
  await confirmIdentity({
    user,
    currentPassword: input.currentPassword,
    authAt: input.authAt,
    client: input,
  });

  return {
    background: afterAnswer({ purpose: "email change request", userId: user.id }, () =>
      sendConfirmationLink(user.id, newEmail, input),
    ),
  };
}

/** After the answer, so the timing doesn't tell whether the address belongs to another account. */
async function sendConfirmationLink(userId: string, newEmail: string, client: RequestClient): Promise<void> {
  const token = await getDb().$transaction(async (tx) => {
    const taken = (await tx.user.count({ where: { email: newEmail } })) > 0;
    await recordSecurityEvent(
      {
        action: "auth.email_change.requested",
        actor: { type: "USER", id: userId },
        ...auditClient(client),
        metadata: { newDomain: domainOf(newEmail), outcome: taken ? "address_taken" : "link_sent" },
      },
      tx,
    );
    if (taken) return null;
    return issueEmailToken(tx, {
      userId,
      purpose: "EMAIL_CHANGE",
      email: newEmail,
      ttlMs: EMAIL_CHANGE_TOKEN_TTL_MS,
      replaceOlder: true,
    });
  });
  if (!token) return;
  const mail = confirmEmailChangeMail({
    link: appLink("/email-change/confirm", { token }),
    validForMinutes: EMAIL_CHANGE_TOKEN_TTL_MS / 60_000,
  });
  await sendAfterAnswer({ ...mail, to: newEmail }, { purpose: "email change confirmation mail", userId });
}

export type EmailLinkResult =
  | { ok: true; userId: string; background: Promise<void> }
  | { ok: false; reason: "invalid_or_expired" | "address_taken" };

/**
 * Step two, from the link in the new mailbox (a POST from the page it opens): the address switches,
 * counts as verified, every session is revoked, and the old address is emailed a notice with an
 * undo link valid for 7 days. If another account took the address in the meantime, the link is
 * spent and nothing changes (`address_taken`).
 */
export async function confirmEmailChange(token: string, client: RequestClient): Promise<EmailLinkResult> {
  const now = new Date();
  const outcome = await switchAddress(async (tx) => {
    const spent = await spendEmailToken(tx, token, "EMAIL_CHANGE", now);
    if (!spent?.email) return { ok: false, reason: "invalid_or_expired" } as const;
    const newEmail = spent.email;
    if ((await tx.user.count({ where: { email: newEmail } })) > 0) {
      return { ok: false, reason: "address_taken" } as const;
    }
    const before = await tx.user.findUniqueOrThrow({
      where: { id: spent.userId },
      select: { email: true, name: true },
    });
    await tx.user.update({ where: { id: spent.userId }, data: { email: newEmail, emailVerifiedAt: now } });
    // Earlier undo links stay valid on purpose: a hijacker who changes the address twice must not
    // be able to cancel the owner's undo link by doing so (docs/decisions/0011-email-change.md).
    const undoToken = await issueEmailToken(tx, {
      userId: spent.userId,
      purpose: "EMAIL_CHANGE_UNDO",
      email: before.email,
      ttlMs: EMAIL_CHANGE_UNDO_TTL_MS,
      replaceOlder: false,
      now,
    });
    await endSessionsAfterAddressChange(tx, spent.userId, client, {
      via: "confirmation_link",
      fromDomain: domainOf(before.email),
      toDomain: domainOf(newEmail),
    });
    return {
      ok: true,
      userId: spent.userId,
      oldEmail: before.email,
      name: before.name,
      newEmail,
      undoToken,
    } as const;
  });
  if (!outcome.ok) return outcome;
  const mail = emailChangedMail({
    name: outcome.name ?? undefined,
    link: appLink("/email-change/undo", { token: outcome.undoToken }),
    validForMinutes: EMAIL_CHANGE_UNDO_TTL_MS / 60_000,
    newEmail: outcome.newEmail,
    changedAt: now,
  });
  return {
    ok: true,
    userId: outcome.userId,
    background: sendAfterAnswer(
      { ...mail, to: outcome.oldEmail },
      { purpose: "email-changed mail", userId: outcome.userId },
    ),
  };
}

/**
 * The undo link from the old mailbox (a POST from the page it opens): the old address comes back
 * (verified: the link proved it), every pending change and every other undo link is cancelled, and
 * every session is revoked. The page then tells the owner to reset the password.
 */
export async function undoEmailChange(token: string, client: RequestClient): Promise<EmailLinkResult> {
  const now = new Date();
  const outcome = await switchAddress(async (tx) => {
    const spent = await spendEmailToken(tx, token, "EMAIL_CHANGE_UNDO", now);
    if (!spent?.email) return { ok: false, reason: "invalid_or_expired" } as const;
    const oldEmail = spent.email;
    const current = await tx.user.findUniqueOrThrow({ where: { id: spent.userId }, select: { email: true } });
    if (current.email !== oldEmail && (await tx.user.count({ where: { email: oldEmail } })) > 0) {
      return { ok: false, reason: "address_taken" } as const;
    }
    await tx.user.update({ where: { id: spent.userId }, data: { email: oldEmail, emailVerifiedAt: now } });
    // Another undo link would restore an address the hijacker chose; a pending change is theirs too.
    await tx.authToken.deleteMany({
      where: { userId: spent.userId, purpose: { in: ["EMAIL_CHANGE", "EMAIL_CHANGE_UNDO"] }, usedAt: null },
    });
    await endSessionsAfterAddressChange(tx, spent.userId, client, {
      via: "undo_link",
      fromDomain: domainOf(current.email),
      toDomain: domainOf(oldEmail),
    });
    return { ok: true, userId: spent.userId } as const;
  });
  if (!outcome.ok) return outcome;
  return { ok: true, userId: outcome.userId, background: NOTHING_LEFT };
}

/**
 * Runs an address switch in a transaction. A concurrent sign-up or change can take the address
 * between the check and the update; the unique index on User.email then refuses it, which is
 * answered like the address being taken (the token stays unspent: the transaction rolled back).
 */
async function switchAddress<T>(
  change: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T | { ok: false; reason: "address_taken" }> {
  try {
    return await getDb().$transaction(change);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      return { ok: false, reason: "address_taken" };
    }
    throw error;
  }
}

async function endSessionsAfterAddressChange(
  tx: Prisma.TransactionClient,
  userId: string,
  client: RequestClient,
  metadata: { via: "confirmation_link" | "undo_link"; fromDomain: string; toDomain: string },
): Promise<void> {
  await revokeAllSessions(tx, userId);
  await endLinksAfter(tx, userId, ["email"]);
  const actor = { type: "USER" as const, id: userId };
  await recordSecurityEvent({ action: "auth.email.changed", actor, ...auditClient(client), metadata }, tx);
  await recordSecurityEvent(
    { action: "auth.sessions.revoked", actor, ...auditClient(client), metadata: { reason: "email_changed" } },
    tx,
  );
}
