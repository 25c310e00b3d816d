import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb } from "../db";
import { AuthFlowError } from "./errors";
import { auditClient, type RequestClient } from "./flow-support";
import { limitAttempts, verifyUserTotp } from "./mfa";
import { verifyPassword } from "./password";
import { type Reauthentication, reauthenticatedBy } from "./reauthentication";

// Step-up re-authentication: before a sensitive change (password, email, turning MFA off, deleting
// the account, billing and ownership changes) the person proves again that they are who the session
// says, with their password or, when MFA is on, a TOTP code. Success sets the session's authAt
// (updateCurrentSession with the returned Reauthentication: reauthentication.ts says what counts);
// the route wrapper's `stepUp: true` then admits the change for 10 minutes.
// Changes that ask only sometimes (the Owner role in lib/orgs) check hasRecentAuthentication there.

export type ReauthProof = { password: string } | { code: string };

/** How this user can re-authenticate, for the step-up page. */
export type ReauthMethods = { password: boolean; totp: boolean };

export async function reauthMethods(userId: string): Promise<ReauthMethods> {
  const user = await getDb().user.findUniqueOrThrow({
    where: { id: userId },
    select: { passwordHash: true, mfaEnabledAt: true },
  });
  return { password: user.passwordHash !== null, totp: user.mfaEnabledAt !== null };
}

/**
 * Checks a password or a TOTP code for a signed-in user. Counts against `reauth-account` (and a code
 * also against `totp-account`), both failing closed. A wrong answer doesn't count toward the sign-in
 * lockout (the session holder is already signed in; the rate limit caps guessing), and throws
 * AuthFlowError 400 `invalid_credentials`. Records `auth.reauth.succeeded` / `auth.reauth.failed`.
 * On success, returns the Reauthentication to hand to updateCurrentSession, which sets the session's authAt.
 */
export async function reauthenticate(
  userId: string,
  proof: ReauthProof,
  client: RequestClient,
): Promise<Reauthentication> {
  await limitAttempts("reauth-account", userId, client);
  const method = "password" in proof ? "password" : "totp";
  let ok: boolean;
  if ("password" in proof) {
    const user = await getDb().user.findUniqueOrThrow({
      where: { id: userId },
      select: { passwordHash: true },
    });
    ok = user.passwordHash !== null && (await verifyPassword(user.passwordHash, proof.password));
  } else {
    ok = await verifyUserTotp(userId, proof.code, client);
  }
  await recordSecurityEvent({
    action: ok ? "auth.reauth.succeeded" : "auth.reauth.failed",
    actor: { type: "USER", id: userId },
    ...auditClient(client),
    metadata: { method },
  });
  if (!ok) {
    const message =
      method === "password"
        ? "That password isn't right. Try again."
        : "That code didn't work. Enter the current code from your authenticator app.";
    throw new AuthFlowError(400, "invalid_credentials", message, {
      [method === "password" ? "password" : "code"]: [message],
    });
  }
  return reauthenticatedBy(userId, method);
}

/**
 * The `next` parameter of the step-up page as a safe same-origin path, or the fallback. Only a
 * path on this site is accepted: no scheme, no `//host`, no backslash tricks, no control characters,
 * so the page can't be used as an open redirect.
 */
export function safeReturnPath(next: unknown, fallback = "/account"): string {
  if (typeof next !== "string" || next.length === 0 || next.length > 2048) return fallback;
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  // Browsers treat "\" as "/" and drop tabs and newlines from URLs: "/\evil.com" or "/\t/evil.com"
  // would become "//evil.com".
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return fallback;
  try {
    const base = "https://shipshape.invalid";
    const url = new URL(next, base);
    if (url.origin !== base) return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}
