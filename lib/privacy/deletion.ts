import "server-only";
import {
  auditPseudonymOf,
  pseudonymizeAuditUser,
  recordAuditEvent,
  recordSecurityEvent,
  redactAuditFreeText,
} from "../audit";
import { forgetSessionUser, revokeAllSessions } from "../auth";
import { queueStripeCustomerErasure, stripeCustomersOf } from "../billing";
import { getDb, type Prisma, type PrismaClient } from "../db";
import { logger } from "../log";
import { accountDeletionScheduledMail, appLink, type MailMessage } from "../mail";
import { readPrivacyConfig } from "./config";
import { SoleOwnerError } from "./errors";
import type { ClientInfo } from "./export";
import { recordDeletionInLedger } from "./ledger";
import { assertNoLiveSubscription, cancelSubscriptionBeforeOrgDeletion } from "./organization-billing";

type Db = PrismaClient | Prisma.TransactionClient;

export interface OrganizationRef {
  id: string;
  slug: string;
  name: string;
}

/** What the deletion page shows, and what a request would do. */
export interface AccountDeletionStatus {
  /** Set while a deletion is pending. */
  requestedAt: Date | null;
  scheduledAt: Date | null;
  /** Organizations this user alone owns that have other members: deletion is refused until resolved. */
  blockingOrganizations: OrganizationRef[];
  /** Organizations this user alone owns with no other member: they are deleted with the account. */
  organizationsDeletedWithAccount: (OrganizationRef & { projects: number })[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The audit actor of everything the hard-delete job does. */
const SYSTEM_ACTOR = { type: "SYSTEM", id: "account-deletion" } as const;
// Pseudonymizing a long history and deleting organizations can take a while: more than Prisma's
// default 5 s transaction timeout.
const HARD_DELETE_TRANSACTION = { maxWait: 10_000, timeout: 120_000 };

/** Where the user stands: pending deletion, and which organizations stand in the way or go too. */
export async function accountDeletionStatus(userId: string): Promise<AccountDeletionStatus> {
  const db = getDb();
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { deletionRequestedAt: true, deletionScheduledAt: true },
  });
  const plan = await planOrganizations(db, userId);
  return {
    requestedAt: user?.deletionRequestedAt ?? null,
    scheduledAt: user?.deletionScheduledAt ?? null,
    blockingOrganizations: plan.blocking.map(({ id, slug, name }) => ({ id, slug, name })),
    organizationsDeletedWithAccount: plan.deletedWithAccount,
  };
}

/**
 * Schedules the account's hard delete ACCOUNT_DELETION_GRACE_DAYS from now and ends every session at
 * once. Call it only after a fresh re-authentication (the route wrapper's `stepUp: true`). Refuses
 * (SoleOwnerError, 409, naming the organizations) while the user is the only owner of an organization
 * that has other members. Asking again while a deletion is pending keeps the original date.
 * Returns the date and the notification to send (`queueMail(notification)`).
 */
export async function requestAccountDeletion(
  userId: string,
  client: ClientInfo = {},
  now: Date = new Date(),
): Promise<{ scheduledAt: Date; notification: MailMessage }> {
  const graceDays = readPrivacyConfig().ACCOUNT_DELETION_GRACE_DAYS;
  return getDb().$transaction(async (tx) => {
    await lockUser(tx, userId);
    const user = await tx.user.findUniqueOrThrow({
      where: { id: userId },
      select: { email: true, name: true, deletionScheduledAt: true },
    });
    const plan = await planOrganizations(tx, userId);
    if (plan.blocking.length > 0) throw new SoleOwnerError(plan.blocking);

    const scheduledAt = user.deletionScheduledAt ?? new Date(now.getTime() + graceDays * DAY_MS);
    if (!user.deletionScheduledAt) {
      await tx.user.update({
        where: { id: userId },
        data: { deletionRequestedAt: now, deletionScheduledAt: scheduledAt },
      });
      await recordAuditEvent(
        {
          action: "account.deletion_requested",
          actor: { type: "USER", id: userId },
          ip: client.ip,
          userAgent: client.userAgent,
          metadata: {
            scheduledAt: scheduledAt.toISOString(),
            organizationsDeletedWithAccount: plan.deletedWithAccount.map((org) => org.id),
          },
        },
        tx,
      );
    }
    // Sign out everywhere, this browser included: whoever asked must prove it again to cancel.
    await revokeAllSessions(tx, userId);
    await recordSecurityEvent(
      {
        action: "auth.sessions.revoked",
        actor: { type: "USER", id: userId },
        ip: client.ip,
        userAgent: client.userAgent,
        metadata: { reason: "account_deletion_requested" },
      },
      tx,
    );
    const notification: MailMessage = {
      to: user.email,
      ...accountDeletionScheduledMail({
        name: user.name ?? undefined,
        link: appLink("/sign-in"),
        scheduledAt,
      }),
    };
    return { scheduledAt, notification };
  });
}

/** Cancels a pending deletion. Returns false when none was pending (nothing changes then). */
export async function cancelAccountDeletion(userId: string, client: ClientInfo = {}): Promise<boolean> {
  const cancelled = await getDb().$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id: userId, deletionRequestedAt: { not: null } },
      data: { deletionRequestedAt: null, deletionScheduledAt: null },
    });
    if (count === 0) return false;
    await recordAuditEvent(
      {
        action: "account.deletion_cancelled",
        actor: { type: "USER", id: userId },
        ip: client.ip,
        userAgent: client.userAgent,
      },
      tx,
    );
    return true;
  });
  // The session's cached user row still says "deletion pending": drop it (lib/auth).
  if (cancelled) forgetSessionUser(userId);
  return cancelled;
}

export interface HardDeleteResult {
  /** The deleted addresses, for the caller to erase queued mail to them. Never logged. */
  deleted: { email: string }[];
  failed: { error: unknown }[];
}

/**
 * The hard-delete job: deletes every account whose grace period has ended (up to `limit` per run,
 * oldest first), each in its own transaction, so one failure does not hold back the others.
 */
export async function hardDeleteDueAccounts(
  options: { now?: Date; limit?: number; db?: PrismaClient } = {},
): Promise<HardDeleteResult> {
  const db = options.db ?? getDb();
  const now = options.now ?? new Date();
  const due = await db.user.findMany({
    where: { deletionScheduledAt: { lte: now } },
    orderBy: { deletionScheduledAt: "asc" },
    take: options.limit ?? 100,
    select: { id: true },
  });
  const result: HardDeleteResult = { deleted: [], failed: [] };
  for (const { id } of due) {
    try {
      const deleted = await hardDeleteAccount(id, { now, db });
      if (deleted) result.deleted.push(deleted);
    } catch (error) {
      // The user id is logged (it is about to be pseudonymous anyway); the address never is.
      logger.error({ err: error, userId: id }, "account hard delete failed; the job will retry");
      result.failed.push({ error });
    }
  }
  return result;
}

/**
 * Deletes one account for good, if its deletion is due (else returns null: it was cancelled, or is
 * already gone). In one transaction:
 * - each organization the user alone owns: deleted when no one else is in it (its subscription is
 *   cancelled first, outside the transaction); when members joined during the grace period, the
 *   longest-standing admin (else member) becomes owner, so no one is stranded;
 * - invitations addressed to the user's email (stored Stripe events hold no personal data: lib/billing
 *   stores them minimized);
 * - the Stripe customers of their organizations: a `stripe-customer-erasure` job each, queued here;
 * - the user's id in the audit log becomes a pseudonym, as actor and as target, and the free text
 *   about them or their deleted organizations is redacted (the hash chains stay valid);
 * - the user row, which cascades to memberships, tokens, recovery codes, OAuth links and exports;
 *   projects and invitations they created stay with their organizations, without the creator.
 * The deletion is audited on the platform chain with the pseudonym as its target.
 */
export async function hardDeleteAccount(
  userId: string,
  options: {
    now?: Date;
    db?: PrismaClient;
    /**
     * A restore brought back an account the deletion ledger says was deleted (reapplyDeletionLedger):
     * delete it whatever its deletion dates say, and call nothing at Stripe (that was done the first
     * time; the restored database's job queue is empty).
     */
    reapply?: boolean;
  } = {},
): Promise<{ email: string } | null> {
  const db = options.db ?? getDb();
  const now = options.now ?? new Date();
  const reapply = options.reapply ?? false;
  // Billing first, outside the transaction (network calls): the subscription of each organization
  // that goes with the account is cancelled at Stripe.
  const before = await planOrganizations(db, userId);
  if (!reapply) {
    for (const org of before.deletedWithAccount)
      await cancelSubscriptionBeforeOrgDeletion(db, org.id, userId);
  }
  const cancelled = new Set(reapply ? [] : before.deletedWithAccount.map((org) => org.id));

  return db.$transaction(async (tx) => {
    await lockUser(tx, userId);
    const user = await tx.user.findUnique({
      where: { id: userId },
      select: { email: true, deletionScheduledAt: true },
    });
    if (!user) return null;
    if (!reapply && (!user.deletionScheduledAt || user.deletionScheduledAt > now)) return null;

    const plan = await planOrganizations(tx, userId);
    // The Stripe customers that could name the person, read before their organizations go (the
    // BillingAccount rows cascade): deleted at Stripe, or given a current owner's email, by the
    // stripe-customer-erasure job, queued in this transaction.
    const deletedOrgIds = new Set(plan.deletedWithAccount.map((org) => org.id));
    const memberOf = await tx.membership.findMany({ where: { userId }, select: { orgId: true } });
    const customers = await stripeCustomersOf(
      tx,
      memberOf.map((membership) => membership.orgId),
    );
    for (const org of plan.blocking) await handOverOwnership(tx, org, userId);
    for (const org of plan.deletedWithAccount) {
      // An organization whose last other member left after the cancellations above has not been
      // through them: it must not be billed (the next run cancels it).
      if (!reapply && !cancelled.has(org.id)) await assertNoLiveSubscription(tx, org.id);
      await tx.organization.delete({ where: { id: org.id } });
      await recordAuditEvent(
        {
          action: "org.deleted",
          actor: SYSTEM_ACTOR,
          orgId: org.id,
          target: { type: "organization", id: org.id },
          metadata: { reason: "last_member_deleted_account", projects: org.projects },
        },
        tx,
      );
    }
    if (!reapply) {
      await queueStripeCustomerErasure(
        tx,
        customers.map(({ orgId, customerId }) => ({
          customerId,
          orgId: deletedOrgIds.has(orgId) ? null : orgId,
        })),
      );
    }
    await tx.invitation.deleteMany({ where: { email: { equals: user.email, mode: "insensitive" } } });
    const pseudonymized = await pseudonymizeAuditUser(userId, tx);
    // Names in metadata (the organizations deleted with the account, the person's devices and
    // address domains) go like the id: they can name the person as well (decision 0040).
    const freeTextRedacted = await redactAuditFreeText(
      { userId, orgIds: plan.deletedWithAccount.map((org) => org.id) },
      tx,
    );
    await tx.user.delete({ where: { id: userId } });
    await recordDeletionInLedger(tx, userId, now);
    await recordAuditEvent(
      {
        action: "account.deleted",
        actor: SYSTEM_ACTOR,
        target: { type: "user", id: auditPseudonym(userId) },
        metadata: {
          auditEventsPseudonymized: pseudonymized.asActor,
          auditTargetsPseudonymized: pseudonymized.asTarget,
          auditFreeTextRedacted: freeTextRedacted,
          organizationsDeleted: plan.deletedWithAccount.length,
          ownershipHandedOver: plan.blocking.length,
          ...(reapply ? { reappliedAfterRestore: true } : {}),
        },
      },
      tx,
    );
    return { email: user.email };
  }, HARD_DELETE_TRANSACTION);
}

/**
 * The id the audit log uses for a deleted user: the keyed pseudonym pseudonymizeAuditUser writes in
 * version 3 events (HMAC-SHA256 under AUDIT_PSEUDONYM_KEY, which the logs never hold).
 */
export function auditPseudonym(userId: string): string {
  return auditPseudonymOf(userId);
}

async function lockUser(tx: Prisma.TransactionClient, userId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${userId}::uuid FOR UPDATE`;
}

interface OrganizationPlan {
  /** Sole ownership of an organization that has other members. */
  blocking: OrganizationRef[];
  /** Sole ownership of an organization with no other member. */
  deletedWithAccount: (OrganizationRef & { projects: number })[];
}

async function planOrganizations(db: Db, userId: string): Promise<OrganizationPlan> {
  const owned = await db.membership.findMany({
    where: { userId, role: "OWNER" },
    orderBy: { createdAt: "asc" },
    select: {
      organization: { select: { id: true, slug: true, name: true, _count: { select: { projects: true } } } },
    },
  });
  const plan: OrganizationPlan = { blocking: [], deletedWithAccount: [] };
  for (const { organization } of owned) {
    const others = await db.membership.groupBy({
      by: ["role"],
      where: { orgId: organization.id, userId: { not: userId } },
      _count: { _all: true },
    });
    const ref = { id: organization.id, slug: organization.slug, name: organization.name };
    if (others.some((group) => group.role === "OWNER")) continue;
    if (others.length > 0) plan.blocking.push(ref);
    else plan.deletedWithAccount.push({ ...ref, projects: organization._count.projects });
  }
  return plan;
}

/** Members joined a sole-owned organization during the grace period: the longest-standing admin (else member) becomes owner. */
async function handOverOwnership(tx: Prisma.TransactionClient, org: OrganizationRef, userId: string) {
  const successor =
    (await tx.membership.findFirst({
      where: { orgId: org.id, userId: { not: userId }, role: "ADMIN" },
      orderBy: { createdAt: "asc" },
      select: { id: true, userId: true },
    })) ??
    (await tx.membership.findFirst({
      where: { orgId: org.id, userId: { not: userId } },
      orderBy: { createdAt: "asc" },
      select: { id: true, userId: true },
    }));
  if (!successor) return;
  await tx.membership.update({ where: { id: successor.id }, data: { role: "OWNER" } });
  await recordAuditEvent(
    {
      action: "org.ownership_transferred",
      actor: SYSTEM_ACTOR,
      orgId: org.id,
      target: { type: "user", id: successor.userId },
      metadata: { membershipId: successor.id, reason: "owner_account_deleted" },
    },
    tx,
  );
}
