// Who is calling: the one place lib/http asks the app's authentication. Shipshape's is lib/auth
// (sessions, MFA, step-up). An app that copies lib/http with its own authentication (next-auth,
// Clerk, anything) replaces this file, and lib/auth stays behind: with it, lib/http drags in auth,
// jobs and mail as well (docs/MODULES.md). A replacement exports the same three functions and a
// CurrentUser with the fields lib/http reads: id, emailVerified, mfa ("none" | "pending" |
// "verified"), mfaEnabled, isPlatformAdmin, authAt (ms of the last password or code, for step-up)
// and deletionPending. A caller it can't identify is null: every endpoint but `public` then
// answers 401 (fail closed).
export {
  type CurrentUser,
  /** The caller of a route handler, from its request; null without a valid session. */
  currentUserFromRequest,
  /** The caller of a server action or page render (request headers from next/headers). */
  getCurrentUser,
  /** Whether a session proved its owner recently enough for a step-up endpoint. */
  hasRecentAuthentication,
} from "../auth";
