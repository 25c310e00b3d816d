import "server-only";
import { isIP } from "node:net";
import type { AuditEventInput } from "@/lib/audit";
import { hasRecentAuthentication } from "@/lib/auth";
import type { OrgRole } from "@/lib/authz";
import { Prisma } from "@/lib/db";
import { NotFoundError, StepUpRequiredError } from "./errors";

/** Who is acting, as a signed-in user (before any organization is involved). */
export type Actor = {
  userId: string;
  /** The request's client, for the audit log. Anything that is not one IP address is dropped. */
  ip?: string | null;
  userAgent?: string | null;
};

/**
 * A member acting inside one organization: what the route wrapper (lib/http) hands a handler as
 * `ctx.scope`. Every function of this module that takes it puts `orgId` into each query's `where`,
 * so nothing outside the organization is ever read or changed. `role` is the role the wrapper
 * loaded; functions that change memberships read it again inside their transaction.
 */
export type OrgScope = Actor & {
  orgId: string;
  role: OrgRole;
  /**
   * When the caller's session last proved a password or authenticator code (ms since the epoch).
   * Changes that touch the OWNER role ask for this to be recent (requireRecentAuthentication).
   */
  authAt: number;
};

export type Tx = Prisma.TransactionClient;

/** The audit fields every event of this actor shares. */
export function auditBase(actor: Actor, orgId: string | null) {
  return {
    actor: { type: "USER", id: actor.userId },
    ip: actor.ip && isIP(actor.ip) !== 0 ? actor.ip : null,
    userAgent: actor.userAgent ?? null,
    orgId,
  } satisfies Partial<AuditEventInput>;
}

/**
 * Locks the organization's row until the transaction ends, and returns the caller's current role
 * in it. Every change to memberships takes this lock first, so two of them in one organization run
 * one after the other: the second sees what the first committed (READ COMMITTED reads afresh at each
 * statement), and two concurrent demotions can't both count the same two owners. NO KEY UPDATE, not
 * UPDATE: inserts that merely reference the organization (a project) take KEY SHARE, and need not wait.
 * Throws NotFoundError when the organization is gone or the caller is no longer a member.
 */
export async function lockOrganization(tx: Tx, scope: OrgScope): Promise<OrgRole> {
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Organization" WHERE id = ${scope.orgId}::uuid FOR NO KEY UPDATE`;
  if (locked.length === 0) throw new NotFoundError();
  // A statement of its own, after the lock: a statement that waited for a row lock still reads
  // the other tables as they were when it started, before the change that held the lock committed.
  const membership = await tx.membership.findUnique({
    where: { userId_orgId: { userId: scope.userId, orgId: scope.orgId } },
    select: { role: true },
  });
  if (!membership) throw new NotFoundError();
  return membership.role;
}

/**
 * Throws StepUpRequiredError (403 `step_up_required`) unless the caller re-authenticated within
 * lib/auth's step-up window. For changes that need it only sometimes (the OWNER role is given, taken
 * or removed): whether they do depends on the target, which only this module reads, under the
 * organization's lock. Endpoints that always need it declare `stepUp: true` instead (decision 0024).
 */
export function requireRecentAuthentication(scope: OrgScope, change: string): void {
  if (hasRecentAuthentication(scope.authAt)) return;
  throw new StepUpRequiredError(change);
}

/**
 * The `stepUp` declarations of the endpoints whose step-up lib/orgs decides (the Owner role changes),
 * shared by the API routes and the forms so both describe the same check.
 */
export const OWNER_STEP_UP = {
  changeRole: { when: "the role given or taken away is Owner (lib/orgs checks the target)" },
  removeMember: { when: "the member removed is an owner (lib/orgs checks the target)" },
  invite: { when: "the invitation is for an owner (lib/orgs checks it)" },
} as const;

/** How many owners the organization has (call after lockOrganization). */
export function countOwners(tx: Tx, orgId: string): Promise<number> {
  return tx.membership.count({ where: { orgId, role: "OWNER" } });
}

/** True for a unique-constraint violation (Prisma P2002), optionally on a given column. */
export function isUniqueViolation(error: unknown, column?: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") return false;
  if (!column) return true;
  return JSON.stringify(error.meta ?? {}).includes(column);
}
