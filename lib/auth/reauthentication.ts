import "server-only";

// The one way a session's authAt moves forward after sign-in. authAt is what step-up trusts
// (`stepUp: true`, confirmIdentity, hasRecentAuthentication): "this session proved who it is at
// this time". Only proving a credential the account already had may set it: its password, an
// enrolled TOTP code, one of its recovery codes, or a sign-in through a linked OAuth account (a new
// session, startSession). Adding a factor (confirming a new authenticator) proves only that the
// caller holds the secret they were just shown, which any holder of the session can arrange, so it
// never counts (issue 11: a stale session enrolled its own authenticator, and the confirmation
// refreshed authAt, which then stood in for the current password).
//
// A Reauthentication can't be written by hand: its brand is a symbol this file doesn't export, so
// the only values are the ones reauthenticatedBy returns, and updateCurrentSession takes nothing
// else for authAt. Who calls reauthenticatedBy is checked by tests/unit/auth-at-funnel.test.ts.

/** A re-authentication counts for sensitive changes this long. */
export const STEP_UP_MAX_AGE_MS = 10 * 60_000;

/**
 * Whether a session that last proved a password or code at `authAt` (ms) may make a sensitive change
 * now. authAt is set by the server inside the encrypted session, so a time slightly ahead of `now`
 * is another instance's clock, not a forgery: it counts as recent.
 */
export function hasRecentAuthentication(authAt: number, now = Date.now()): boolean {
  return now - authAt <= STEP_UP_MAX_AGE_MS;
}

declare const proven: unique symbol;

/** The credentials an account already has that count as proving who the session is. */
export const REAUTHENTICATION_METHODS = ["password", "totp", "recovery_code"] as const;
export type ReauthenticationMethod = (typeof REAUTHENTICATION_METHODS)[number];

/** A credential of `userId`'s just checked by lib/auth, at `at` (ms): what may set a session's authAt. */
export type Reauthentication = {
  readonly userId: string;
  readonly method: ReauthenticationMethod;
  readonly at: number;
  readonly [proven]: true;
};

/**
 * For lib/auth's credential checks only, right after the credential was verified (and spent, for
 * codes): step-up's reauthenticate and the sign-in MFA challenge. Not exported from `@/lib/auth`.
 */
export function reauthenticatedBy(
  userId: string,
  method: ReauthenticationMethod,
  at = Date.now(),
): Reauthentication {
  return { userId, method, at } as Reauthentication;
}
