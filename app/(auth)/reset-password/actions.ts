"use server";

import { redirect } from "next/navigation";
import { after } from "next/server";
import { z } from "zod";
import { resetPassword } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

/** Where a reset ends (and where a bot that filled the honeypot is sent). */
const PASSWORD_RESET_DONE = "/sign-in?notice=password-reset";

/**
 * Public: the emailed token is the credential. Every session ends with the reset (this browser's
 * too), so the person signs in with the new password next; a reset never signs anyone in by itself,
 * or it would skip the second factor.
 */
export const resetPasswordAction = action(
  {
    auth: "public",
    rateLimit: "pages-ip",
    honeypot: { redirectTo: PASSWORD_RESET_DONE },
    input: z.object({
      token: z.string().max(200),
      password: z
        .string()
        .min(1, { error: "Choose a password." })
        .max(1024, { error: "Use at most 256 characters." }),
    }),
  },
  async ({ input, ip, userAgent }) => {
    const { background } = await resetPassword({ ...input, ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    after(background);
    redirect(PASSWORD_RESET_DONE);
  },
);
