import "server-only";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit";
import { createToken, hashToken, normalizeEmail, type PublicUser, publicUserSelect } from "@/lib/auth";
import { can, type OrgRole, ROLE_RANK, ROLES } from "@/lib/authz";
import { getDb } from "@/lib/db";
import { logger } from "@/lib/log";
import { appLink, invitationMail, sendMail } from "@/lib/mail";
import {
  ConflictError,
  ForbiddenError,
  InvitationUnusableError,
  NotFoundError,
  OrgError,
  parseCallerInput,
  TooSoonError,
} from "./errors";
import {
  type Actor,
  auditBase,
  isUniqueViolation,
  lockOrganization,
  type OrgScope,
  requireRecentAuthentication,
  type Tx,
} from "./scope";
import { inTransaction, isUuid, refuse } from "./transaction";

/** How long an invitation link works. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;
/**
 * The shortest time between two sends of one invitation. The last send time is not stored: each send
 * sets expiresAt to now + INVITATION_TTL_MS, so it is expiresAt − INVITATION_TTL_MS.
 */
export const INVITATION_RESEND_INTERVAL_MS = 60_000;

export const createInvitationInput = z.object({
  email: z
    .string()
    .max(320, { error: "Use at most 320 characters." })
    .transform(normalizeEmail)
    .pipe(z.email({ error: "Enter an email address, such as ada@example.com." })),
  role: z.enum(ROLES, { error: "Choose Owner, Admin or Member." }).default("MEMBER"),
});
export type CreateInvitationInput = z.input<typeof createInvitationInput>;

export type InvitationView = {
  id: string;
  email: string;
  role: OrgRole;
  /** Who sent it; null once their account is deleted. */
  invitedBy: PublicUser | null;
  createdAt: Date;
  expiresAt: Date;
  /** Past expiresAt: resending issues a new link. */
  expired: boolean;
};

/** What sending one invitation did: the invitation, and whether its email went out. */
export type SentInvitation = { invitation: InvitationView; emailSent: boolean };

const invitationSelect = {
  id: true,
  email: true,
  role: true,
  createdAt: true,
  expiresAt: true,
  invitedBy: { select: publicUserSelect },
} as const;

type InvitationRow = {
  id: string;
  email: string;
  role: OrgRole;
  createdAt: Date;
  expiresAt: Date;
  invitedBy: PublicUser | null;
};

function toView(row: InvitationRow, now = new Date()): InvitationView {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invitedBy: row.invitedBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    expired: row.expiresAt <= now,
  };
}

/** "ada@example.com" → "a••@example.com": enough for its owner to recognise, not to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  const local = email.slice(0, at);
  return `${local.slice(0, 1)}${"•".repeat(Math.min(Math.max(local.length - 1, 2), 6))}${email.slice(at)}`;
}

/** Admins can't invite owners (or re-issue an owner's invitation): the table's targetBelowOwner. */
function checkInvitePermission(role: OrgRole, grantedRole: OrgRole): void {
  if (can(role, "invitation.create", { grantedRole })) return;
  throw new ForbiddenError(
    "invitation.create",
    ROLE_RANK[grantedRole] > ROLE_RANK[role]
      ? "You can't invite anyone with a role above your own."
      : "Only owners and admins can invite people.",
  );
}

/**
 * Invites an address to the caller's organization with a role: stores the SHA-256 of a fresh token
 * (never the token), records `invitation.created` in the same transaction, then emails the link.
 * Refused: a role above the caller's (admins can't invite owners), an address that already belongs
 * to a member (409 `already_member`) or has a pending invitation (409 `invitation_pending`: resend it).
 * Inviting an owner needs a recent re-authentication (403 `step_up_required`): accepting makes the
 * invitee an owner, so it is an ownership change. A failed email leaves the invitation in place with `emailSent: false`; resending tries again.
 * The route limits sends per user (`invitation-send-user`).
 */
export async function createInvitation(
  scope: OrgScope,
  input: CreateInvitationInput,
): Promise<SentInvitation> {
  const { email, role } = parseCallerInput(createInvitationInput, input);
  const token = createToken();
  const now = new Date();
  const created = await inTransaction(scope, { type: "organization", id: scope.orgId }, async (tx) => {
    // The lock serializes invitations with membership changes: no duplicate pending invitation
    // from two concurrent requests (there is no unique constraint on (orgId, email)).
    const actorRole = await lockOrganization(tx, scope);
    checkInvitePermission(actorRole, role);
    if (role === "OWNER") requireRecentAuthentication(scope, "Inviting an owner");
    const member = await tx.membership.findFirst({
      where: { orgId: scope.orgId, user: { email } },
      select: { id: true },
    });
    if (member) {
      throw new ConflictError("already_member", "This person is already a member.", {
        email: ["This address already belongs to a member of the organization."],
      });
    }
    const pending = await tx.invitation.findFirst({
      where: { orgId: scope.orgId, email, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      select: { id: true },
    });
    if (pending) {
      throw new ConflictError("invitation_pending", "This address already has a pending invitation.", {
        email: ["An invitation to this address is pending. Resend it instead."],
      });
    }
    const invitation = await tx.invitation.create({
      data: {
        orgId: scope.orgId,
        email,
        role,
        tokenHash: hashToken(token),
        invitedById: scope.userId,
        expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
      },
      select: { ...invitationSelect, organization: { select: { name: true } } },
    });
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "invitation.created",
        target: { type: "invitation", id: invitation.id },
        metadata: { role },
      },
      tx,
    );
    return invitation;
  });
  const emailSent = await sendInvitationMail(created, created.organization.name, token);
  return { invitation: toView(created), emailSent };
}

/** Emails the link; a failure is logged (sendMail already did, by domain) and reported as false. */
async function sendInvitationMail(invitation: InvitationRow, organizationName: string, token: string) {
  try {
    await sendMail({
      to: invitation.email,
      ...invitationMail({
        inviterName: invitation.invitedBy?.name ?? undefined,
        organizationName,
        role: invitation.role,
        link: appLink(`/invitations/${token}`),
        validForMinutes: INVITATION_TTL_MS / 60_000,
      }),
    });
    return true;
  } catch (error) {
    logger.error({ err: error, invitationId: invitation.id }, "invitation email not sent; it can be resent");
    return false;
  }
}

/** Invitations not yet accepted or revoked, newest first; expired ones are marked (resend renews them). */
export async function listPendingInvitations(scope: OrgScope): Promise<InvitationView[]> {
  const rows = await getDb().invitation.findMany({
    where: { orgId: scope.orgId, acceptedAt: null, revokedAt: null },
    select: invitationSelect,
    orderBy: { createdAt: "desc" },
  });
  const now = new Date();
  return rows.map((row) => toView(row, now));
}

/** A pending invitation of the caller's organization, read inside the transaction; 404 otherwise. */
async function findPending(tx: Tx, scope: OrgScope, invitationId: string) {
  if (!isUuid(invitationId)) throw new NotFoundError();
  const invitation = await tx.invitation.findFirst({
    where: { id: invitationId, orgId: scope.orgId },
    select: {
      ...invitationSelect,
      acceptedAt: true,
      revokedAt: true,
      organization: { select: { name: true } },
    },
  });
  if (!invitation) throw new NotFoundError();
  if (invitation.acceptedAt) {
    throw new ConflictError("invitation_not_pending", "This invitation was already accepted.");
  }
  if (invitation.revokedAt) {
    throw new ConflictError("invitation_not_pending", "This invitation was revoked. Send a new one.");
  }
  return invitation;
}

/** Revokes a pending invitation: its link stops working at once. Records `invitation.revoked`. */
export async function revokeInvitation(scope: OrgScope, invitationId: string): Promise<void> {
  await inTransaction(scope, { type: "invitation", id: invitationId }, async (tx) => {
    const actorRole = await lockOrganization(tx, scope);
    if (!can(actorRole, "invitation.revoke")) {
      throw new ForbiddenError("invitation.revoke", "Only owners and admins can revoke invitations.");
    }
    const invitation = await findPending(tx, scope, invitationId);
    // Conditional, so a revocation and an acceptance racing each other can't both win.
    const { count } = await tx.invitation.updateMany({
      where: { id: invitation.id, orgId: scope.orgId, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0)
      throw new ConflictError("invitation_not_pending", "This invitation is no longer pending.");
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "invitation.revoked",
        target: { type: "invitation", id: invitation.id },
        metadata: { role: invitation.role },
      },
      tx,
    );
  });
}

/**
 * Sends a pending (or expired) invitation again with a new link: the old link stops working, and the
 * new one works for another 7 days. At most once a minute per invitation (429 `too_soon`), on top of
 * the route's per-user limit. Re-issuing counts as inviting: an admin can't resend an owner's
 * invitation. Records `invitation.resent`.
 */
export async function resendInvitation(scope: OrgScope, invitationId: string): Promise<SentInvitation> {
  const token = createToken();
  const now = new Date();
  const renewed = await inTransaction(scope, { type: "invitation", id: invitationId }, async (tx) => {
    const actorRole = await lockOrganization(tx, scope);
    if (!can(actorRole, "invitation.resend")) {
      throw new ForbiddenError("invitation.resend", "Only owners and admins can resend invitations.");
    }
    const invitation = await findPending(tx, scope, invitationId);
    checkInvitePermission(actorRole, invitation.role);
    const lastSentAt = invitation.expiresAt.getTime() - INVITATION_TTL_MS;
    const waitMs = lastSentAt + INVITATION_RESEND_INTERVAL_MS - now.getTime();
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new TooSoonError(`This invitation was just sent. Try again in ${seconds} seconds.`, seconds);
    }
    const updated = await tx.invitation.update({
      where: { id: invitation.id, orgId: scope.orgId },
      data: { tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + INVITATION_TTL_MS) },
      select: invitationSelect,
    });
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "invitation.resent",
        target: { type: "invitation", id: invitation.id },
        metadata: { role: invitation.role },
      },
      tx,
    );
    return { ...updated, organizationName: invitation.organization.name };
  });
  const emailSent = await sendInvitationMail(renewed, renewed.organizationName, token);
  return { invitation: toView(renewed), emailSent };
}

/** What the invitation page shows to whoever opens a link. */
export type InvitationPreview =
  | { state: "invalid" }
  | {
      state: "pending" | "expired" | "revoked" | "accepted";
      organizationName: string;
      organizationSlug: string;
      role: OrgRole;
      /** The invited address, masked. */
      invitedEmail: string;
      /** Whether the signed-in viewer (if any) is the invited, verified address. */
      viewer: "signed_out" | "invitee" | "invitee_unverified" | "other_account";
    };

/** Reads an invitation by its link's token, for the page that offers to accept it. Changes nothing. */
export async function previewInvitation(
  token: string,
  viewerUserId: string | null,
): Promise<InvitationPreview> {
  const invitation = await getDb().invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    select: {
      email: true,
      role: true,
      expiresAt: true,
      acceptedAt: true,
      revokedAt: true,
      organization: { select: { name: true, slug: true } },
    },
  });
  if (!invitation) return { state: "invalid" };
  const viewer = viewerUserId
    ? await getDb().user.findUnique({
        where: { id: viewerUserId },
        select: { email: true, emailVerifiedAt: true },
      })
    : null;
  return {
    state: invitation.acceptedAt
      ? "accepted"
      : invitation.revokedAt
        ? "revoked"
        : invitation.expiresAt <= new Date()
          ? "expired"
          : "pending",
    organizationName: invitation.organization.name,
    organizationSlug: invitation.organization.slug,
    role: invitation.role,
    invitedEmail: maskEmail(invitation.email),
    viewer: !viewer
      ? "signed_out"
      : viewer.email !== invitation.email
        ? "other_account"
        : viewer.emailVerifiedAt
          ? "invitee"
          : "invitee_unverified",
  };
}

const UNUSABLE_MESSAGES = {
  invalid: "This invitation link is not valid. Check that you copied the whole link.",
  expired: "This invitation has expired. Ask the organization to send a new one.",
  revoked: "This invitation was withdrawn. Ask the organization if you should still join.",
  accepted: "This invitation was already used.",
} as const;

/**
 * Accepts an invitation for the signed-in user: only its invited address, verified, can (403
 * `wrong_account` / `email_unverified` otherwise); an expired, revoked or used link is refused (410).
 * Marks the invitation accepted and creates the membership with the invited role, and records
 * `invitation.accepted`, in one transaction. The token is spent by a conditional update, so two
 * clicks can't both count.
 */
export async function acceptInvitation(
  actor: Actor,
  token: string,
): Promise<{ organizationSlug: string; organizationName: string; role: OrgRole }> {
  const now = new Date();
  const invitation = await getDb().invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, orgId: true, email: true },
  });
  if (!invitation) throw new InvitationUnusableError("invalid", UNUSABLE_MESSAGES.invalid);
  const context = { ...actor, orgId: invitation.orgId };
  const target = { type: "invitation", id: invitation.id };
  const user = await getDb().user.findUnique({
    where: { id: actor.userId },
    select: { email: true, emailVerifiedAt: true },
  });
  if (!user) throw new NotFoundError();
  if (user.email !== invitation.email) {
    await refuse(
      context,
      target,
      new ForbiddenError(
        "invitation.accept",
        `This invitation was sent to ${maskEmail(invitation.email)}, and you are signed in as ${user.email}. Sign in with the invited address to accept it.`,
        "wrong_account",
      ),
    );
  }
  if (!user.emailVerifiedAt) {
    throw new OrgError(
      403,
      "email_unverified",
      "Verify your email address first, then open the invitation again.",
    );
  }
  return inTransaction(context, target, async (tx) => {
    const [spent] = await tx.invitation.updateManyAndReturn({
      where: { id: invitation.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { acceptedAt: now },
      select: { role: true, organization: { select: { name: true, slug: true } } },
    });
    if (!spent) {
      const state = await tx.invitation.findUniqueOrThrow({
        where: { id: invitation.id },
        select: { acceptedAt: true, revokedAt: true },
      });
      const reason = state.acceptedAt ? "accepted" : state.revokedAt ? "revoked" : "expired";
      throw new InvitationUnusableError(reason, UNUSABLE_MESSAGES[reason]);
    }
    const existing = await tx.membership.findUnique({
      where: { userId_orgId: { userId: actor.userId, orgId: invitation.orgId } },
      select: { id: true },
    });
    if (existing)
      throw new ConflictError("already_member", `You are already a member of ${spent.organization.name}.`);
    let membershipId: string;
    try {
      const membership = await tx.membership.create({
        data: { orgId: invitation.orgId, userId: actor.userId, role: spent.role },
        select: { id: true },
      });
      membershipId = membership.id;
    } catch (error) {
      // Joined by another invitation at the same moment.
      if (isUniqueViolation(error)) {
        throw new ConflictError("already_member", `You are already a member of ${spent.organization.name}.`);
      }
      throw error;
    }
    await recordAuditEvent(
      {
        ...auditBase(actor, invitation.orgId),
        action: "invitation.accepted",
        target: { type: "membership", id: membershipId },
        metadata: { invitationId: invitation.id, role: spent.role },
      },
      tx,
    );
    return {
      organizationSlug: spent.organization.slug,
      organizationName: spent.organization.name,
      role: spent.role,
    };
  });
}
