"use server";

import { after } from "next/server";
import { z } from "zod";
import { signUp } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

/**
 * The one answer to every sign-up that passes the checks: a new address, a registered one (whose
 * owner is emailed "you already have an account"), or a bot that filled the honeypot. The page can't
 * be used to find out which addresses have accounts.
 */
const CHECK_YOUR_INBOX = "Check your inbox: we sent you an email. Open the link in it to continue.";

export const signUpAction = action(
  {
    auth: "public",
    rateLimit: { exempt: "signUp counts sign-up-ip itself and records a block as a security event" },
    honeypot: { answer: { status: "ok", message: CHECK_YOUR_INBOX } },
    input: z.object({
      email: z.email({ error: "Enter an email address such as ada@example.com." }).max(254),
      name: z.string().trim().max(80, { error: "Use at most 80 characters." }).optional(),
      // A cap against hashing megabytes; the policy's own limit (256 characters) explains itself.
      password: z
        .string()
        .min(1, { error: "Choose a password." })
        .max(1024, { error: "Use at most 256 characters." }),
    }),
  },
  async ({ input, ip, userAgent }) => {
    const { background } = await signUp({ ...input, ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    // The mail goes out after the answer, so its timing can't tell a new address from a known one.
    after(background);
    return { message: CHECK_YOUR_INBOX };
  },
);
