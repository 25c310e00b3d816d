import type { PrismaClient } from "../db";
import type { OrgRole } from "./policy";

/** A user's membership of one organization, as the route wrapper and org pages need it. */
export type OrgMembership = {
  org: { id: string; slug: string; name: string; requireMfa: boolean };
  role: OrgRole;
};

/**
 * The membership of `userId` in the organization with `orgSlug`, or null when the organization does
 * not exist *or* the user is not a member: callers answer both with the same 404, so nobody can probe
 * which organizations exist. One indexed query (Organization.slug, then Membership (userId, orgId)).
 */
export async function findMembership(
  db: Pick<PrismaClient, "membership">,
  userId: string,
  orgSlug: string,
): Promise<OrgMembership | null> {
  const membership = await db.membership.findFirst({
    where: { userId, organization: { slug: orgSlug } },
    select: {
      role: true,
      organization: { select: { id: true, slug: true, name: true, requireMfa: true } },
    },
  });
  return membership ? { org: membership.organization, role: membership.role } : null;
}
