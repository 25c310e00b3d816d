import "server-only";
import { cookies } from "next/headers";
import { cache } from "react";
import { currentUserFromCookies, requestCookies } from "./session-token";

/**
 * The signed-in user as the server sees it for one request: built from the session claims and the
 * user row. Server-side only: a user in a response or a page is one of the shapes of public-user.ts.
 */
export type CurrentUser = {
  id: string;
  /** This session's id (its UserSession row): "this device" on the sessions page. */
  sessionId: string;
  email: string;
  name: string | null;
  emailVerified: boolean;
  /** This session's MFA state: "pending" until the TOTP challenge is passed. */
  mfa: "none" | "pending" | "verified";
  /** MFA is turned on for the account. */
  mfaEnabled: boolean;
  isPlatformAdmin: boolean;
  /** When this session last proved a password or TOTP code (ms), for step-up checks. */
  authAt: number;
  /** The user asked to delete the account and the grace period is running. */
  deletionPending: boolean;
};

/**
 * The signed-in user for this request (pages, layouts, server actions), or null. The session is
 * checked as next-auth's jwt callback checks it (lifetime, revocation, disabled account). Cached per
 * request (React `cache`), so the layout, the page and the wrapper share one lookup.
 */
export const getCurrentUser = cache(
  async (): Promise<CurrentUser | null> => currentUserFromCookies(await cookies()),
);

/** The signed-in user of a route handler's request, or null. */
export function currentUserFromRequest(request: Request): Promise<CurrentUser | null> {
  return currentUserFromCookies(requestCookies(request));
}
