import type { PrismaClient } from "../db";
import type { OrgRole } from "./policy";

/** A user's membership of one organization, as the route wrapper and org pages need it. */
export type OrgMembership = {
  org: { id: string; slug: string; name: string; requireMfa: boolean };
  role: OrgRole;
};

/**
 * How long a found membership may be served from this process's memory: the same window in which
 * a session's user row is cached (lib/auth SESSION_CHECK_CACHE_MS). Every org request needs the
 * caller's role, and reading it each time was most of the route guard's cost (bench/guard-overhead.ts).
 * A change made through lib/orgs (role change, removal, requireMfa, deletion) drops the
 * organization's entries on the instance that made it (forgetMemberships), so it applies there at
 * once; other instances see it within this window. Only memberships found are kept: someone who
 * just joined is never refused from a stale "not a member".
 */
export const MEMBERSHIP_CACHE_MS = 5_000;

// Keys "<userId> <orgSlug>". Expired entries are swept once the map grows past SWEEP_ABOVE. On
// globalThis: a Next.js build may load this module once per route bundle, and a change made in one
// (a server action) must drop the entries every bundle of the process reads.
const globalForMemberships = globalThis as unknown as {
  shipshapeMemberships?: Map<string, { membership: OrgMembership; fetchedAt: number }>;
};
globalForMemberships.shipshapeMemberships ??= new Map();
const found = globalForMemberships.shipshapeMemberships;
const SWEEP_ABOVE = 10_000;

/**
 * The membership of `userId` in the organization with `orgSlug`, or null when the organization does
 * not exist *or* the user is not a member: callers answer both with the same 404, so nobody can probe
 * which organizations exist. One indexed query (Organization.slug, then Membership (userId, orgId)),
 * or none while a found membership is cached.
 */
export async function findMembership(
  db: Pick<PrismaClient, "membership">,
  userId: string,
  orgSlug: string,
  now: number = Date.now(),
): Promise<OrgMembership | null> {
  const key = `${userId} ${orgSlug}`;
  const cached = found.get(key);
  if (cached && now - cached.fetchedAt < MEMBERSHIP_CACHE_MS) return cached.membership;
  const row = await db.membership.findFirst({
    where: { userId, organization: { slug: orgSlug } },
    select: {
      role: true,
      organization: { select: { id: true, slug: true, name: true, requireMfa: true } },
    },
  });
  if (!row) {
    found.delete(key);
    return null;
  }
  const membership = { org: row.organization, role: row.role };
  if (found.size > SWEEP_ABOVE) sweep(now);
  found.set(key, { membership, fetchedAt: now });
  return membership;
}

/** Drops this process's cached memberships of an organization. Call after a change has committed. */
export function forgetMemberships(orgId: string): void {
  for (const [key, entry] of found) {
    if (entry.membership.org.id === orgId) found.delete(key);
  }
}

function sweep(now: number): void {
  for (const [key, entry] of found) {
    if (now - entry.fetchedAt >= MEMBERSHIP_CACHE_MS) found.delete(key);
  }
}
