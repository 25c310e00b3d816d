import "server-only";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit";
import { type PublicUser, publicUserSelect } from "@/lib/auth";
import {
  can,
  type OrgRole,
  type Permission,
  type PolicyContext,
  permissionsFor,
  ROLE_RANK,
  ROLES,
} from "@/lib/authz";
import { getDb } from "@/lib/db";
import { ConflictError, ForbiddenError, NotFoundError, type OrgError, parseCallerInput } from "./errors";
import {
  auditBase,
  countOwners,
  lockOrganization,
  type OrgScope,
  requireRecentAuthentication,
  type Tx,
} from "./scope";
import { inTransaction, isUuid } from "./transaction";

export const changeRoleInput = z.object({ role: z.enum(ROLES, { error: "Choose Owner, Admin or Member." }) });
export const transferOwnershipInput = z.object({ membershipId: z.uuid({ error: "Choose a member." }) });

/** A membership as the members page and the API show it: the member as their public shape. */
export type MemberView = {
  id: string;
  user: PublicUser;
  role: OrgRole;
  joinedAt: Date;
};

const memberSelect = {
  id: true,
  role: true,
  createdAt: true,
  user: { select: publicUserSelect },
} as const;

type MemberRow = { id: string; role: OrgRole; createdAt: Date; user: PublicUser };

function toView(row: MemberRow): MemberView {
  return { id: row.id, user: row.user, role: row.role, joinedAt: row.createdAt };
}

/** The organization's members: owners first, then admins, then members, oldest first within each. */
export async function listMembers(scope: OrgScope): Promise<MemberView[]> {
  const rows = await getDb().membership.findMany({
    where: { orgId: scope.orgId },
    select: memberSelect,
    orderBy: { createdAt: "asc" },
  });
  return rows.map(toView).sort((a, b) => ROLE_RANK[b.role] - ROLE_RANK[a.role]);
}

/** A membership of the caller's organization, read inside the transaction; 404 for anything else. */
async function findMember(tx: Tx, scope: OrgScope, membershipId: string): Promise<MemberRow> {
  if (!isUuid(membershipId)) throw new NotFoundError();
  const row = await tx.membership.findFirst({
    where: { id: membershipId, orgId: scope.orgId },
    select: memberSelect,
  });
  if (!row) throw new NotFoundError();
  return row;
}

/**
 * Why the policy table refused a membership change, as the error to throw. The table's conditions
 * (targetBelowOwner, notLastOwner) say no without saying why; people need to know which rule it was.
 */
function refusal(role: OrgRole, permission: Permission, facts: PolicyContext): OrgError {
  if (!permissionsFor(role).includes(permission)) {
    return new ForbiddenError(permission, "Only owners and admins can change or remove members.");
  }
  if (role !== "OWNER" && facts.targetRole === "OWNER") {
    return new ForbiddenError(permission, "Only an owner can change or remove an owner.");
  }
  if (facts.grantedRole && ROLE_RANK[facts.grantedRole] > ROLE_RANK[role]) {
    return new ForbiddenError(permission, "You can't give anyone a role above your own.");
  }
  if (facts.targetRole === "OWNER" && (facts.ownerCount ?? 0) <= 1) {
    return new ConflictError(
      "last_owner",
      "An organization needs at least one owner. Make another member an owner first, or delete the organization.",
    );
  }
  return new ForbiddenError(permission, "Your role doesn't allow this change.");
}

/**
 * Gives a member another role. The rules (policy table, with facts read under the organization's
 * lock): admins can't change owners or make anyone an owner; nobody grants above their own role; the
 * last owner can't be demoted. Making someone an owner or demoting an owner also needs a recent
 * re-authentication (403 `step_up_required`); other role changes don't. Records
 * `membership.role_changed`.
 */
export async function changeMemberRole(
  scope: OrgScope,
  membershipId: string,
  role: OrgRole,
): Promise<MemberView> {
  const newRole = parseCallerInput(changeRoleInput, { role }).role;
  return inTransaction(scope, { type: "membership", id: membershipId }, async (tx) => {
    const actorRole = await lockOrganization(tx, scope);
    const target = await findMember(tx, scope, membershipId);
    if (target.role === newRole) return toView(target);
    const facts: PolicyContext = {
      actorUserId: scope.userId,
      targetRole: target.role,
      grantedRole: newRole,
      ownerCount: await countOwners(tx, scope.orgId),
    };
    if (!can(actorRole, "membership.changeRole", facts)) {
      throw refusal(actorRole, "membership.changeRole", facts);
    }
    // After the policy: nobody is asked to re-authenticate for a change they may not make anyway.
    if (newRole === "OWNER") requireRecentAuthentication(scope, "Making someone an owner");
    if (target.role === "OWNER") requireRecentAuthentication(scope, "Changing an owner's role");
    const updated = await tx.membership.update({
      where: { id: target.id, orgId: scope.orgId },
      data: { role: newRole },
      select: memberSelect,
    });
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "membership.role_changed",
        target: { type: "user", id: target.user.id },
        metadata: { membershipId: target.id, from: target.role, to: newRole },
      },
      tx,
    );
    return toView(updated);
  });
}

/**
 * Removes another member from the organization (to remove yourself, leave). Admins can't remove
 * owners; the last owner can't be removed; removing an owner needs a recent re-authentication
 * (403 `step_up_required`). Records `membership.removed`.
 */
export async function removeMember(scope: OrgScope, membershipId: string): Promise<void> {
  await inTransaction(scope, { type: "membership", id: membershipId }, async (tx) => {
    const actorRole = await lockOrganization(tx, scope);
    const target = await findMember(tx, scope, membershipId);
    if (target.user.id === scope.userId) {
      throw new ConflictError("use_leave", "To remove yourself, leave the organization instead.");
    }
    const facts: PolicyContext = {
      actorUserId: scope.userId,
      targetRole: target.role,
      ownerCount: await countOwners(tx, scope.orgId),
    };
    if (!can(actorRole, "membership.remove", facts)) throw refusal(actorRole, "membership.remove", facts);
    if (target.role === "OWNER") requireRecentAuthentication(scope, "Removing an owner");
    await tx.membership.delete({ where: { id: target.id, orgId: scope.orgId } });
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "membership.removed",
        target: { type: "user", id: target.user.id },
        metadata: { membershipId: target.id, role: target.role },
      },
      tx,
    );
  });
}

/** The caller leaves the organization. The last owner can't. Records `membership.left`. */
export async function leaveOrganization(scope: OrgScope): Promise<void> {
  await inTransaction(scope, { type: "organization", id: scope.orgId }, async (tx) => {
    const actorRole = await lockOrganization(tx, scope);
    const facts: PolicyContext = {
      actorUserId: scope.userId,
      targetRole: actorRole,
      ownerCount: await countOwners(tx, scope.orgId),
    };
    if (!can(actorRole, "membership.leave", facts)) throw refusal(actorRole, "membership.leave", facts);
    const membership = await tx.membership.delete({
      where: { userId_orgId: { userId: scope.userId, orgId: scope.orgId } },
      select: { id: true },
    });
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "membership.left",
        target: { type: "membership", id: membership.id },
        metadata: { role: actorRole },
      },
      tx,
    );
  });
}

/**
 * Makes another member an owner and the caller (an owner) an admin, in one step. Records
 * `org.ownership_transferred`. The route asks for a recent re-authentication (step-up) every time,
 * so it declares `stepUp: true` and this function doesn't check it again.
 */
export async function transferOwnership(scope: OrgScope, membershipId: string): Promise<MemberView> {
  return inTransaction(scope, { type: "membership", id: membershipId }, async (tx) => {
    const actorRole = await lockOrganization(tx, scope);
    if (!can(actorRole, "organization.transferOwnership")) {
      throw new ForbiddenError("organization.transferOwnership", "Only an owner can hand over ownership.");
    }
    const target = await findMember(tx, scope, membershipId);
    if (target.user.id === scope.userId) {
      throw new ConflictError("invalid_target", "Choose another member: you are already an owner.");
    }
    const newOwner = await tx.membership.update({
      where: { id: target.id, orgId: scope.orgId },
      data: { role: "OWNER" },
      select: memberSelect,
    });
    await tx.membership.update({
      where: { userId_orgId: { userId: scope.userId, orgId: scope.orgId } },
      data: { role: "ADMIN" },
    });
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "org.ownership_transferred",
        target: { type: "user", id: target.user.id },
        metadata: { membershipId: target.id, previousRole: target.role },
      },
      tx,
    );
    return toView(newOwner);
  });
}
