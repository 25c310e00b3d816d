"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import {
  confirmMfaEnrolment,
  disableMfa,
  regenerateRecoveryCodes,
  startMfaEnrolment,
  updateCurrentSession,
} from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

// Turning MFA on and off, and new recovery codes. lib/auth counts code checks against
// `totp-account`; the declared policy is the general per-user one. Enrolling and disabling end every
// other session and keep this one (updateCurrentSession with the new sessionVersion).
// Adding a factor is a sensitive change, not a proof of identity: starting and confirming enrolment
// need a step-up, and confirming leaves the session's authAt as it was (lib/auth/reauthentication.ts).

/** Why the enrolment walkthrough was opened: an organization's slug, or "admin". */
const required = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/)
  .optional()
  .catch(undefined);

export const startMfaEnrolmentAction = action(
  { auth: "user", rateLimit: "api-user", stepUp: true, input: z.object({ required }) },
  async ({ user, input }) => {
    await startMfaEnrolment(user.id);
    redirect(input.required ? `/account/mfa?required=${encodeURIComponent(input.required)}` : "/account/mfa");
  },
);

export const confirmMfaEnrolmentAction = action(
  {
    auth: "user",
    rateLimit: "api-user",
    stepUp: true,
    input: z.object({
      code: z.string().trim().min(1, { error: "Enter the 6-digit code your app shows." }).max(64),
    }),
  },
  async ({ user, input, ip, userAgent }) => {
    const { recoveryCodes, sessionVersion } = await confirmMfaEnrolment(user.id, input.code, {
      ip: ip ?? UNKNOWN_CLIENT_IP,
      userAgent,
    });
    await updateCurrentSession({ sv: sessionVersion, mfa: "verified" });
    return { message: "Two-factor authentication is on.", data: { recoveryCodes } };
  },
);

export const regenerateRecoveryCodesAction = action(
  { auth: "user", rateLimit: "api-user", stepUp: true, input: z.object({}) },
  async ({ user, ip, userAgent }) => {
    const recoveryCodes = await regenerateRecoveryCodes(user.id, { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    return { message: "New recovery codes are ready. The old ones no longer work.", data: { recoveryCodes } };
  },
);

export const disableMfaAction = action(
  { auth: "user", rateLimit: "api-user", stepUp: true, input: z.object({}) },
  async ({ user, ip, userAgent }) => {
    const { sessionVersion } = await disableMfa(user.id, { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    await updateCurrentSession({ sv: sessionVersion, mfa: "none" });
    return { message: "Two-factor authentication is off. Your other devices were signed out." };
  },
);
