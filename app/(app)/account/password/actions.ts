"use server";

import { after } from "next/server";
import { z } from "zod";
import { changePassword, updateCurrentSession } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

/**
 * Needs the current password, or a step-up within 10 minutes (checked by changePassword with the
 * session's authAt, so the form can offer either). Every other session ends; this one is re-issued
 * with the new sessionVersion and keeps working.
 */
export const changePasswordAction = action(
  {
    auth: "user",
    rateLimit: { exempt: "changePassword counts current-password attempts against reauth-account itself" },
    input: z.object({
      currentPassword: z.string().max(1024).optional(),
      newPassword: z
        .string()
        .min(1, { error: "Choose a new password." })
        .max(1024, { error: "Use at most 256 characters." }),
    }),
  },
  async ({ input, user, ip, userAgent }) => {
    const { sessionVersion, background } = await changePassword({
      userId: user.id,
      currentPassword: input.currentPassword,
      newPassword: input.newPassword,
      authAt: user.authAt,
      ip: ip ?? UNKNOWN_CLIENT_IP,
      userAgent,
    });
    after(background);
    await updateCurrentSession({ sv: sessionVersion });
    return {
      message: "Your password is changed. You're still signed in here; every other device was signed out.",
    };
  },
);
