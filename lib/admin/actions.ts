import "server-only";
import { type AuditAction, recordAuditEvent } from "@/lib/audit";
import { accountUserSelect, prepareVerificationEmail, revokeAllSessions } from "@/lib/auth";
import { getDb, type Prisma, type PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { type MailMessage, sendMail } from "@/lib/mail";
import { AdminNotFoundError, SelfDisableError } from "./errors";
import { type AdminUserSummary, presentUser } from "./queries";

// What platform admins can do to a user account. Each action commits its change, the revocation of
// the user's sessions where it applies, and its audit event (the admin as actor) in one transaction.

/** The platform admin performing an action, as the route wrapper knows them. */
export interface AdminActor {
  userId: string;
  ip?: string | null;
  userAgent?: string | null;
}

export interface AdminActionResult {
  /** False when the account was already in the state asked for (nothing written, nothing audited). */
  changed: boolean;
  user: AdminUserSummary;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Disables an account: the user can no longer sign in, and every session they have ends at once
 * (checkSession refuses "disabled" and the sessionVersion moves on). An admin can't disable
 * themselves. Throws AdminNotFoundError (404) for an unknown user, SelfDisableError (403) for oneself.
 */
export async function disableUser(
  admin: AdminActor,
  userId: string,
  db: PrismaClient = getDb(),
): Promise<AdminActionResult> {
  if (userId.toLowerCase() === admin.userId.toLowerCase()) throw new SelfDisableError();
  return act(db, admin, userId, "admin.user.disabled", async (tx, user) => {
    if (user.disabledAt) return false;
    await tx.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    await revokeAllSessions(tx, user.id);
    return true;
  });
}

/**
 * Lets a disabled user sign in again. Sessions from before stay ended, also when the account was
 * disabled some other way than disableUser: the sessionVersion moves on here too (which also drops
 * this instance's cached "disabled" state, so a fresh sign-in works at once).
 */
export async function enableUser(
  admin: AdminActor,
  userId: string,
  db: PrismaClient = getDb(),
): Promise<AdminActionResult> {
  return act(db, admin, userId, "admin.user.enabled", async (tx, user) => {
    if (!user.disabledAt) return false;
    await tx.user.update({ where: { id: user.id }, data: { disabledAt: null } });
    await revokeAllSessions(tx, user.id);
    return true;
  });
}

/** Ends every session of the user (a lost laptop, a suspected takeover); they can sign in again. */
export async function forceSignOut(
  admin: AdminActor,
  userId: string,
  db: PrismaClient = getDb(),
): Promise<AdminActionResult> {
  return act(db, admin, userId, "admin.user.signed_out", async (tx, user) => {
    await revokeAllSessions(tx, user.id);
    return true;
  });
}

/**
 * Sends the user a fresh verification link (their older links stop working), for someone whose
 * first email never arrived. `changed: false` (nothing sent, nothing audited) when the address is
 * already verified. The link is issued and audited in one transaction, then sent directly, not
 * through a job (a job row would hold the working link in plain text; decision 0019). A delivery
 * failure throws MailDeliveryError after the audit event is written: the link was issued, and a
 * second press sends a new one.
 */
export async function resendVerification(
  admin: AdminActor,
  userId: string,
  db: PrismaClient = getDb(),
): Promise<AdminActionResult> {
  // Filled inside the transaction, sent after it commits.
  const issued: { mail?: MailMessage } = {};
  const result = await act(db, admin, userId, "admin.user.verification_resent", async (tx, user) => {
    if (user.emailVerifiedAt) return false;
    issued.mail = await prepareVerificationEmail(tx, user);
    return true;
  });
  if (issued.mail) await sendMail(issued.mail);
  return result;
}

/** The columns of the target user an action's change may read (locked FOR UPDATE). */
type LockedUser = {
  id: string;
  email: string;
  name: string | null;
  disabledAt: Date | null;
  emailVerifiedAt: Date | null;
};

/**
 * The shared frame of an admin action, in one transaction: the acting admin is checked again (a
 * platform admin with MFA, not disabled: the wrapper already checked the session, this keeps the
 * rule true for any other caller), the target is loaded, the change is made, and when it changed
 * something, the event is recorded on the platform chain with the admin as actor.
 */
async function act(
  db: PrismaClient,
  admin: AdminActor,
  userId: string,
  action: Extract<AuditAction, `admin.user.${string}`>,
  change: (tx: Prisma.TransactionClient, user: LockedUser) => Promise<boolean>,
): Promise<AdminActionResult> {
  if (!UUID.test(userId) || !UUID.test(admin.userId)) throw new AdminNotFoundError("No user has this id.");
  const targetId = userId.toLowerCase();
  const changed = await db.$transaction(async (tx) => {
    const actor = await tx.user.findFirst({
      where: { id: admin.userId, isPlatformAdmin: true, disabledAt: null, mfaEnabledAt: { not: null } },
      select: { id: true },
    });
    if (!actor) throw new AdminNotFoundError();
    // FOR UPDATE: two admins acting on one user at once take turns, so each sees the other's result.
    const [user] = await tx.$queryRaw<LockedUser[]>`
      SELECT id::text, email, name, "disabledAt", "emailVerifiedAt"
      FROM "User" WHERE id = ${targetId}::uuid FOR UPDATE`;
    if (!user) throw new AdminNotFoundError("No user has this id.");
    if (!(await change(tx, user))) return false;
    await recordAuditEvent(
      {
        action,
        actor: { type: "USER", id: actor.id },
        ip: admin.ip,
        userAgent: admin.userAgent,
        target: { type: "user", id: user.id },
      },
      tx,
    );
    return true;
  });
  if (changed)
    logger.info({ adminId: admin.userId, targetUserId: targetId, action }, `platform admin: ${action}`);
  const user = await db.user.findUniqueOrThrow({ where: { id: targetId }, select: accountUserSelect });
  return { changed, user: presentUser(user) };
}
