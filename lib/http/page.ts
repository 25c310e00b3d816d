// The gate for signed-in pages: the page counterpart of the wrapper's authentication. Pages render
// data, so each page calls these itself (layouts don't re-run on every navigation); the lookups are
// cached per request, so a layout and its page calling them cost one query.
import "server-only";
import { cache } from "react";
import { findMembership, type OrgMembership, type Permission, permissionsFor } from "../authz";
import { DatabaseUnavailableError, getDb, isDatabaseUnavailable } from "../db";
import { logger } from "../log";
import { isSafeText } from "../security";
import { type OrgScope, scopeOf } from "./guard";
import { type CurrentUser, getCurrentUser } from "./identity";
import { notFound, redirect } from "./navigation";

/** States a page may be shown in, although the app is otherwise closed to the user in them. */
export type PageAllowance = "mfaPending" | "unverified" | "deletionPending";

/** Where the gate sends people, in the order it checks. */
export const GATE_PATHS = {
  signIn: "/sign-in",
  mfaChallenge: "/sign-in/mfa",
  verifyEmail: "/verify-email",
  deletionPending: "/account/deletion",
  mfaEnrolment: "/account/mfa",
} as const;

/**
 * The signed-in user, or a redirect to where they must go first: sign in → the MFA challenge →
 * email verification → the pending-deletion page. `returnTo` (a path on this site) comes back after
 * signing in.
 */
export async function requirePageUser(
  options: { allow?: PageAllowance[]; returnTo?: string } = {},
): Promise<CurrentUser> {
  const allow = new Set(options.allow ?? []);
  const user = await orUnavailablePage(getCurrentUser);
  if (!user) {
    const returnTo =
      options.returnTo?.startsWith("/") && !options.returnTo.startsWith("//") ? options.returnTo : undefined;
    redirect(
      returnTo ? `${GATE_PATHS.signIn}?callbackUrl=${encodeURIComponent(returnTo)}` : GATE_PATHS.signIn,
    );
  }
  if (user.mfa === "pending" && !allow.has("mfaPending")) redirect(GATE_PATHS.mfaChallenge);
  if (!user.emailVerified && !allow.has("unverified")) redirect(GATE_PATHS.verifyEmail);
  if (user.deletionPending && !allow.has("deletionPending")) redirect(GATE_PATHS.deletionPending);
  return user;
}

/**
 * Runs one of the gate's lookups. When the database can't be reached it throws
 * DatabaseUnavailableError instead: its digest makes app/error.tsx show "temporarily unavailable,
 * try again in a minute" rather than "something went wrong" (Next.js can't answer a page with a 503,
 * so the page says it). Logged as an outage here; Next's onRequestError reports it to Sentry.
 */
async function orUnavailablePage<T>(lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    logger.error(
      { err: error, code: "database_unavailable" },
      "the database is unavailable: the page shows the unavailable page",
    );
    throw new DatabaseUnavailableError({ cause: error });
  }
}

/** A platform admin with MFA passed; anyone else gets the 404 page, admins without MFA enrolment. */
export async function requirePagePlatformAdmin(): Promise<CurrentUser> {
  const user = await requirePageUser();
  if (!user.isPlatformAdmin) notFound();
  if (!user.mfaEnabled) redirect(`${GATE_PATHS.mfaEnrolment}?required=admin`);
  return user;
}

export type PageMember = OrgMembership & {
  user: CurrentUser;
  scope: OrgScope;
  /** What this role may do at all, for the UI to hide the rest (the server checks again). */
  permissions: ReadonlySet<Permission>;
};

// Per request: the org layout and its page both ask.
const cachedMembership = cache((userId: string, orgSlug: string) => findMembership(getDb(), userId, orgSlug));

/**
 * The signed-in user's membership of the organization `orgSlug`. Not a member or no such
 * organization: the 404 page (the same for both). With `permission`, a role without it also gets
 * the 404 page: the page doesn't exist for them. An organization requiring MFA sends members
 * without it to enrol.
 */
export async function requirePageMember(orgSlug: string, permission?: Permission): Promise<PageMember> {
  // No organization's slug holds hostile text (/%00 is a 404 like any unknown slug), and it must
  // not reach the lookup, which PostgreSQL would answer with an error (lib/security/text.ts).
  if (!isSafeText(orgSlug)) notFound();
  const user = await requirePageUser({ returnTo: `/${orgSlug}` });
  const membership = await orUnavailablePage(() => cachedMembership(user.id, orgSlug));
  if (!membership) notFound();
  if (membership.org.requireMfa && !user.mfaEnabled) {
    redirect(`${GATE_PATHS.mfaEnrolment}?required=${encodeURIComponent(membership.org.slug)}`);
  }
  const permissions = new Set(permissionsFor(membership.role));
  if (permission && !permissions.has(permission)) notFound();
  return { ...membership, user, scope: scopeOf(user, membership), permissions };
}
