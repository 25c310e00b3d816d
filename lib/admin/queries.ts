import "server-only";
import { type AccountUser, accountUserSelect, type PublicUser, publicUserSelect } from "@/lib/auth";
import { getDb, type Prisma, type PrismaClient } from "@/lib/db";
import { HOSTILE_TEXT_MESSAGE, isSafeText } from "@/lib/security";
import { AdminNotFoundError, InvalidAdminQueryError } from "./errors";

// What platform admins see of users and organizations, searched and paged by a unique key (email,
// slug). Users are read in lib/auth's account shape (accountUserSelect: never a password hash, MFA
// secret, recovery code or token) and presented with ISO 8601 times.

/** A user as the admin lists show them. Times are ISO 8601 strings (UTC). */
export interface AdminUserSummary {
  id: string;
  email: string;
  name: string | null;
  emailVerified: boolean;
  mfaEnabled: boolean;
  disabled: boolean;
  disabledAt: string | null;
  isPlatformAdmin: boolean;
  lastSignInAt: string | null;
  createdAt: string;
}

export interface AdminUserDetail extends AdminUserSummary {
  /** Locked after too many failed sign-ins, until then (null: not locked). */
  lockedUntil: string | null;
  /** The user asked to delete their account; it is hard-deleted then (null: no deletion pending). */
  deletionScheduledAt: string | null;
  memberships: {
    org: { id: string; slug: string; name: string };
    role: "OWNER" | "ADMIN" | "MEMBER";
    since: string;
  }[];
}

export interface AdminOrganizationSummary {
  id: string;
  slug: string;
  name: string;
  members: number;
  requireMfa: boolean;
  createdAt: string;
}

export interface AdminPage<T> {
  items: T[];
  /** The next page (further in the alphabet), or null on the last page. */
  nextCursor: string | null;
  /** The previous page, or null on the first page. */
  previousCursor: string | null;
}

export interface AdminListOptions {
  /** Part of an email, name or slug (case-insensitive), or an exact id. */
  search?: string | null;
  /** From a previous page's nextCursor or previousCursor. */
  cursor?: string | null;
  /** 25 by default, at most 100. */
  limit?: number;
  db?: PrismaClient;
}

export const ADMIN_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 100;
const MAX_SEARCH_LENGTH = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function presentUser(user: AccountUser): AdminUserSummary {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    mfaEnabled: user.mfaEnabledAt !== null,
    disabled: user.disabledAt !== null,
    disabledAt: user.disabledAt?.toISOString() ?? null,
    isPlatformAdmin: user.isPlatformAdmin,
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

/** Users whose email or name contains `search` (or whose id it is), by email, a page at a time. */
export async function listUsers(options: AdminListOptions = {}): Promise<AdminPage<AdminUserSummary>> {
  const db = options.db ?? getDb();
  const search = cleanSearch(options.search);
  const where: Prisma.UserWhereInput = search
    ? {
        OR: [
          { email: { contains: search.pattern, mode: "insensitive" } },
          { name: { contains: search.pattern, mode: "insensitive" } },
          ...(UUID.test(search.text) ? [{ id: search.text.toLowerCase() }] : []),
        ],
      }
    : {};
  const page = await keysetPage(
    options,
    (bound, order, take) =>
      db.user.findMany({
        where: bound ? { AND: [where, { email: bound }] } : where,
        orderBy: { email: order },
        take,
        select: accountUserSelect,
      }),
    (user) => user.email,
  );
  return { ...page, items: page.items.map(presentUser) };
}

/** Organizations whose slug or name contains `search` (or whose id it is), by slug, with member counts. */
export async function listOrganizations(
  options: AdminListOptions = {},
): Promise<AdminPage<AdminOrganizationSummary>> {
  const db = options.db ?? getDb();
  const search = cleanSearch(options.search);
  const where: Prisma.OrganizationWhereInput = search
    ? {
        OR: [
          { slug: { contains: search.pattern, mode: "insensitive" } },
          { name: { contains: search.pattern, mode: "insensitive" } },
          ...(UUID.test(search.text) ? [{ id: search.text.toLowerCase() }] : []),
        ],
      }
    : {};
  const page = await keysetPage(
    options,
    (bound, order, take) =>
      db.organization.findMany({
        where: bound ? { AND: [where, { slug: bound }] } : where,
        orderBy: { slug: order },
        take,
        select: ORGANIZATION_COLUMNS,
      }),
    (org) => org.slug,
  );
  return { ...page, items: page.items.map(presentOrganization) };
}

/**
 * One organization by slug, with its owners (whom an operator contacts about billing). Throws
 * AdminNotFoundError (404) for an unknown slug.
 */
export async function getOrganizationDetail(
  slug: string,
  db: PrismaClient = getDb(),
): Promise<AdminOrganizationSummary & { owners: PublicUser[] }> {
  // The slug comes straight from the page's URL; no slug holds hostile text (lib/security/text.ts).
  if (!isSafeText(slug)) throw new AdminNotFoundError("No organization has this address.");
  const org = await db.organization.findUnique({
    where: { slug },
    select: {
      ...ORGANIZATION_COLUMNS,
      memberships: { where: { role: "OWNER" }, select: { user: { select: publicUserSelect } } },
    },
  });
  if (!org) throw new AdminNotFoundError("No organization has this address.");
  return { ...presentOrganization(org), owners: org.memberships.map((membership) => membership.user) };
}

const ORGANIZATION_COLUMNS = {
  id: true,
  slug: true,
  name: true,
  requireMfa: true,
  createdAt: true,
  _count: { select: { memberships: true } },
} as const;

function presentOrganization(org: Prisma.OrganizationGetPayload<{ select: typeof ORGANIZATION_COLUMNS }>) {
  return {
    id: org.id,
    slug: org.slug,
    name: org.name,
    members: org._count.memberships,
    requireMfa: org.requireMfa,
    createdAt: org.createdAt.toISOString(),
  };
}

/** One user with their memberships. Throws AdminNotFoundError (404) for an unknown or malformed id. */
export async function getUserDetail(userId: string, db: PrismaClient = getDb()): Promise<AdminUserDetail> {
  if (!UUID.test(userId)) throw new AdminNotFoundError("No user has this id.");
  const user = await db.user.findUnique({
    where: { id: userId.toLowerCase() },
    select: {
      ...accountUserSelect,
      memberships: {
        select: {
          role: true,
          createdAt: true,
          organization: { select: { id: true, slug: true, name: true } },
        },
        orderBy: { organization: { slug: "asc" } },
      },
    },
  });
  if (!user) throw new AdminNotFoundError("No user has this id.");
  const lockedUntil = user.lockedUntil && user.lockedUntil.getTime() > Date.now() ? user.lockedUntil : null;
  return {
    ...presentUser(user),
    lockedUntil: lockedUntil?.toISOString() ?? null,
    deletionScheduledAt: user.deletionScheduledAt?.toISOString() ?? null,
    memberships: user.memberships.map((membership) => ({
      org: membership.organization,
      role: membership.role,
      since: membership.createdAt.toISOString(),
    })),
  };
}

/**
 * The search as typed, trimmed, ready for Prisma's `contains`, which is SQL (I)LIKE and leaves % and _
 * live (prisma/prisma#19506): they are escaped, so "a_b" finds "a_b" and "%" doesn't list everyone.
 */
function cleanSearch(search: string | null | undefined): { pattern: string; text: string } | null {
  const text = search?.trim() ?? "";
  // The search comes straight from the page's URL (?q=), not through the route wrapper.
  if (!isSafeText(text)) throw new InvalidAdminQueryError({ q: [HOSTILE_TEXT_MESSAGE] });
  if (text.length > MAX_SEARCH_LENGTH) {
    throw new InvalidAdminQueryError({ q: [`Search for at most ${MAX_SEARCH_LENGTH} characters.`] });
  }
  return text === "" ? null : { pattern: text.replace(/[\\%_]/g, (char) => `\\${char}`), text };
}

// --- Keyset paging on one unique text column ---------------------------------------------------

type Bound = { gt: string } | { lt: string };

// Opaque to clients: base64url of "n:<key>" (the page after key) or "p:<key>" (the page before it).
// It only names a position; the search is applied again on every page.
function encodeCursor(direction: "n" | "p", key: string): string {
  return Buffer.from(`${direction}:${key}`).toString("base64url");
}

function decodeCursor(cursor: string): { direction: "n" | "p"; key: string } {
  const text = /^[A-Za-z0-9_-]{1,700}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const match = /^([np]):(.{1,320})$/s.exec(text);
  if (!match)
    throw new InvalidAdminQueryError({
      cursor: ["This page link is not valid. Start again from the first page."],
    });
  return { direction: match[1] as "n" | "p", key: match[2] as string };
}

/**
 * One page in ascending key order. `find(bound, order, take)` runs the list's query with an extra
 * bound on the key. Going back (a "p" cursor) reads descending and reverses; a short page going back
 * is the first page, shown whole.
 */
async function keysetPage<Row>(
  options: AdminListOptions,
  find: (bound: Bound | null, order: "asc" | "desc", take: number) => Promise<Row[]>,
  keyOf: (row: Row) => string,
): Promise<AdminPage<Row>> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? ADMIN_PAGE_SIZE), 1), MAX_PAGE_SIZE);
  const position = options.cursor ? decodeCursor(options.cursor) : null;
  const exists = async (bound: Bound) => (await find(bound, "asc", 1)).length > 0;

  if (position?.direction === "p") {
    const before = await find({ lt: position.key }, "desc", limit + 1);
    if (before.length <= limit) return keysetPage({ ...options, cursor: null }, find, keyOf);
    const items = before.slice(0, limit).reverse();
    const last = keyOf(items.at(-1) as Row);
    return {
      items,
      previousCursor: encodeCursor("p", keyOf(items[0] as Row)),
      nextCursor: (await exists({ gt: last })) ? encodeCursor("n", last) : null,
    };
  }

  const fetched = await find(position ? { gt: position.key } : null, "asc", limit + 1);
  const items = fetched.slice(0, limit);
  const first = items[0] ? keyOf(items[0]) : position?.key;
  const last = items.at(-1);
  return {
    items,
    nextCursor: fetched.length > limit && last ? encodeCursor("n", keyOf(last)) : null,
    previousCursor: position && first && (await exists({ lt: first })) ? encodeCursor("p", first) : null,
  };
}
