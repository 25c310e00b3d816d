import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb } from "../db";
import { checkRateLimit, type RateLimitPolicyName, refundRateLimit, UNKNOWN_CLIENT_IP } from "../ratelimit";
import { type KnownDevice, knownDevice } from "./device-cookie";
import { afterAnswer, NOTHING_LEFT } from "./flow-support";
import { verifyPasswordSignIn } from "./sign-in";
import type { SignInRefusal } from "./sign-in-answer";
import { sendUnlockEmail } from "./unlock";

export type PasswordSignInOutcome = (
  | { ok: true; userId: string }
  /** Every wrong-credential case alike. */
  | { ok: false; code: "invalid_credentials" }
  /** Refused before the password was checked; `refusal` gives the answer its status and headers. */
  | {
      ok: false;
      code: "rate_limited" | "unavailable";
      refusal: SignInRefusal;
    }
) & {
  /**
   * The work left after the answer (see afterAnswer): for a wrong password, counting the failure
   * toward the lockout, and on the failure that locks the account, the `auth.lockout` event and the
   * unlock email. Never rejects (failures are logged). next-auth's
   * authorize hands it to Next's `after()`; a test or a script awaits it.
   */
  background: Promise<void>;
};

type Client = { ip: string; userAgent?: string | null };

/**
 * The whole password sign-in step: per-IP and per-account rate limits (fail closed when their store
 * is down), the credential check with lockout, and a security event for every outcome. The failure
 * count and the lockout email happen after the answer (`background`): only an existing account has
 * a count to update or can be locked, so doing either first would make the answer slower exactly
 * when the email has an account (docs/decisions/0010-identity-flows-without-enumeration.md). The
 * per-account limit, counted before the password check, still bounds parallel guesses.
 *
 * The per-account limit counts guesses, not sign-ins: each attempt is counted before the password
 * is checked (so parallel guesses can't all pass under the limit) and a successful one is refunded.
 * Otherwise a person signing in on several devices, or a team sharing a demo account, would be
 * refused with the right password. The per-IP limit keeps every attempt: one address may carry many
 * people, and an attacker who owns one account must not earn more guesses at others by using it.
 *
 * `cookie` is the request's Cookie header. A browser holding a valid device cookie of this email's
 * account (device-cookie.ts, decision 0027) is counted against its own budget, `sign-in-device`,
 * instead of `sign-in-account` and the lockout, so the owner's known browser still signs in while
 * an attacker keeps the account locked for everyone else. Past that budget it is counted like any
 * unknown browser.
 */
export async function signInWithPassword(
  input: { email: string; password: string; cookie?: string | null } & Client,
): Promise<PasswordSignInOutcome> {
  // The audit log stores real addresses only; "unknown" (no trusted proxy header) is left out.
  const client = { ip: input.ip === UNKNOWN_CLIENT_IP ? null : input.ip, userAgent: input.userAgent ?? null };
  const ipRefusal = await countAgainst("sign-in-ip", input.ip, client);
  const { refusal, trustedDevice } = ipRefusal
    ? { refusal: ipRefusal, trustedDevice: null }
    : await countAgainstDeviceOrAccount(input.email, knownDevice(input.cookie, input.email), client);
  if (refusal) {
    return {
      ok: false,
      code: refusal.decision.reason === "store_unavailable" ? "unavailable" : "rate_limited",
      refusal,
      background: NOTHING_LEFT,
    };
  }
  // In the audit events: the attempt came from a known device of the account and was counted there.
  const fromDevice = (userId?: string) =>
    userId && trustedDevice?.userId === userId ? { knownDevice: true } : {};

  const result = await verifyPasswordSignIn(getDb(), { ...input, knownDeviceOf: trustedDevice?.userId });
  if (result.ok) {
    if (trustedDevice) await refundRateLimit("sign-in-device", trustedDevice.nonce);
    else await refundRateLimit("sign-in-account", input.email);
    await recordSecurityEvent({
      action: "auth.sign_in.succeeded",
      actor: { type: "USER", id: result.userId },
      ...client,
      metadata: { method: "password", ...fromDevice(result.userId) },
    });
    return { ok: true, userId: result.userId, background: NOTHING_LEFT };
  }

  // The person trying is not known to be the account's owner: the actor is anonymous, the account
  // (when the email matched one) is the target.
  const target = result.userId ? { type: "user", id: result.userId } : null;
  await recordSecurityEvent({
    action: "auth.sign_in.failed",
    actor: { type: "ANONYMOUS" },
    target,
    ...client,
    metadata: { method: "password", detail: result.detail, ...fromDevice(result.userId) },
  });
  const { countFailure, userId } = result;
  if (!countFailure || !userId) return { ok: false, code: "invalid_credentials", background: NOTHING_LEFT };
  return {
    ok: false,
    code: "invalid_credentials",
    // The lockout count, and on the failure that locks, the event and the owner's unlock email.
    background: afterAnswer({ purpose: "failed sign-in count", userId }, async () => {
      if (!(await countFailure())) return;
      await recordSecurityEvent({ action: "auth.lockout", actor: { type: "ANONYMOUS" }, target, ...client });
      await sendUnlockEmail(userId);
    }),
  };
}

/**
 * Counts the attempt against a known device's own budget (`sign-in-device`), or against the
 * account's (`sign-in-account`) for an unknown browser. A device past its budget is counted like an
 * unknown browser (OWASP's lockout list for device cookies); with the store down, both refuse.
 */
async function countAgainstDeviceOrAccount(
  email: string,
  device: KnownDevice | null,
  client: { ip: string | null; userAgent: string | null },
): Promise<{ refusal: SignInRefusal | null; trustedDevice: KnownDevice | null }> {
  if (device) {
    const refusal = await countAgainst("sign-in-device", device.nonce, client);
    if (!refusal) return { refusal: null, trustedDevice: device };
    if (refusal.decision.reason === "store_unavailable") return { refusal, trustedDevice: null };
  }
  return { refusal: await countAgainst("sign-in-account", email, client), trustedDevice: null };
}

/** Counts the attempt under `policy`; a refusal is recorded as an `auth.rate_limited` event and returned. */
async function countAgainst(
  policy: RateLimitPolicyName,
  key: string,
  client: { ip: string | null; userAgent: string | null },
): Promise<SignInRefusal | null> {
  const decision = await checkRateLimit(policy, key);
  if (decision.allowed) return null;
  await recordSecurityEvent({
    action: "auth.rate_limited",
    actor: { type: "ANONYMOUS" },
    ...client,
    metadata: { policy, reason: decision.reason },
  });
  return { policy, decision };
}
