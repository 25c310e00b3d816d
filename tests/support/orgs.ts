// Organizations for the integration tests: a fresh organization with one user per role, and the
// scopes those users act with (what the route wrapper hands lib/orgs as ctx.scope).
import { randomBytes } from "node:crypto";
import type { OrgRole } from "@/lib/authz";
import type { OrgScope } from "@/lib/orgs";
import { testDb } from "./db";
import { createTestUser } from "./users";

export type TestMember = {
  userId: string;
  email: string;
  membershipId: string;
  role: OrgRole;
  scope: OrgScope;
};

/** A unique slug, so tests never collide on Organization.slug. */
export const uniqueSlug = (prefix = "org") => `${prefix}-${randomBytes(5).toString("hex")}`;

/**
 * An organization with one verified member per role listed (default: an owner, an admin and a
 * member), created straight in the database.
 */
export async function createTestOrg(roles: OrgRole[] = ["OWNER", "ADMIN", "MEMBER"]) {
  const org = await testDb().organization.create({ data: { slug: uniqueSlug(), name: "Test Org" } });
  const members: TestMember[] = [];
  for (const role of roles) members.push(await addMember(org.id, role));
  const first = (role: OrgRole) => {
    const member = members.find((candidate) => candidate.role === role);
    if (!member) throw new Error(`createTestOrg: no ${role} in this organization`);
    return member;
  };
  return {
    org,
    members,
    owner: () => first("OWNER"),
    admin: () => first("ADMIN"),
    member: () => first("MEMBER"),
  };
}

/** A new verified user with a membership of `orgId`. */
export async function addMember(orgId: string, role: OrgRole): Promise<TestMember> {
  const user = await createTestUser({ passwordHash: null });
  const membership = await testDb().membership.create({ data: { orgId, userId: user.id, role } });
  return {
    userId: user.id,
    email: user.email,
    membershipId: membership.id,
    role,
    // Signed in just now: changes that ask for a recent re-authentication go through. A test of
    // that rule makes the scope stale itself (staleScope).
    scope: { orgId, userId: user.id, role, ip: "203.0.113.9", userAgent: "vitest", authAt: Date.now() },
  };
}

/** The scope of a member whose last sign-in or re-authentication was 11 minutes ago. */
export function staleScope(member: TestMember): OrgScope {
  return { ...member.scope, authAt: Date.now() - 11 * 60_000 };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { status?: number; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { status?: number; code?: string };
  }
  throw new Error("expected a rejection, but the promise resolved");
}
