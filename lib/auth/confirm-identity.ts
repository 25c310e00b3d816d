import "server-only";
import { authFlowErrors } from "./errors";
import { enforceLimits, type RequestClient } from "./flow-support";
import { verifyPassword } from "./password";
import { hasRecentAuthentication } from "./reauthentication";

/**
 * The check before a password or email change: the session re-authenticated within the last 10
 * minutes (`authAt`, from the session), or the person typed the current password now. Password
 * attempts count against `reauth-account`, the same budget as the step-up page, so a stolen
 * session can't be used to guess the password faster there. Throws an AuthFlowError otherwise.
 */
export async function confirmIdentity(input: {
  user: { id: string; passwordHash: string | null };
  currentPassword?: string | undefined;
  /** When the session last proved a password or TOTP (ms). */
  authAt: number;
  client: RequestClient;
  now?: number;
}): Promise<void> {
  const now = input.now ?? Date.now();
  // A re-authentication within the step-up window stands in for the current password.
  if (hasRecentAuthentication(input.authAt, now)) return;
  // An account without a password (OAuth only) proves itself on the step-up page instead.
  if (!input.user.passwordHash) throw authFlowErrors.stepUpRequired();
  if (!input.currentPassword) throw authFlowErrors.currentPasswordRequired();
  await enforceLimits([["reauth-account", input.user.id]], input.client, { type: "USER", id: input.user.id });
  if (!(await verifyPassword(input.user.passwordHash, input.currentPassword))) {
    throw authFlowErrors.wrongPassword();
  }
}
