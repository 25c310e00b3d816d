"use server";

import { after } from "next/server";
import { z } from "zod";
import { requestPasswordReset } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

/** The one answer, known address or not (and for a bot that filled the honeypot). */
const LINK_ON_ITS_WAY =
  "If an account uses this address, we sent it a link to choose a new password. The link works for 30 minutes.";

export const requestPasswordResetAction = action(
  {
    auth: "public",
    rateLimit: {
      exempt: "requestPasswordReset counts password-reset-ip and password-reset-account itself",
    },
    honeypot: { answer: { status: "ok", message: LINK_ON_ITS_WAY } },
    input: z.object({
      email: z.email({ error: "Enter an email address such as ada@example.com." }).max(254),
    }),
  },
  async ({ input, ip, userAgent }) => {
    const { background } = await requestPasswordReset({
      email: input.email,
      ip: ip ?? UNKNOWN_CLIENT_IP,
      userAgent,
    });
    // Sent after the answer: waiting for SMTP only when the address is known would show in the timing.
    after(background);
    return { message: LINK_ON_ITS_WAY };
  },
);
