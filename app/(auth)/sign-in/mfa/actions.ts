"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { rememberThisDevice, updateCurrentSession, verifyMfaChallenge } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

/**
 * The sign-in challenge: a session that passed the password (or OAuth) but not MFA yet. lib/auth
 * counts every code against `totp-account` (5 per 5 minutes, fail closed); the declared policy is
 * the general per-user one.
 */
export const verifyMfaCodeAction = action(
  {
    auth: "session",
    rateLimit: "api-user",
    input: z.object({
      code: z
        .string()
        .trim()
        .min(1, { error: "Enter the 6-digit code from your app, or a recovery code." })
        .max(64, { error: "That is too long for a code. Check what you typed." }),
    }),
  },
  async ({ user, input, ip, userAgent }) => {
    if (user.mfa !== "pending") redirect("/account");
    const result = await verifyMfaChallenge(user.id, input.code, { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    await updateCurrentSession({ mfa: "verified", reauthentication: result.reauthentication });
    // The sign-in is complete: this browser becomes a device of the account (lockout, decision 0027).
    await rememberThisDevice(user.id);
    // After a recovery code, the MFA page says how many are left and offers new ones.
    redirect(
      result.method === "recovery_code" ? `/account/mfa?codesLeft=${result.recoveryCodesLeft}` : "/account",
    );
  },
);
