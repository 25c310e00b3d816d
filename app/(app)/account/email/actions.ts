"use server";

import { after } from "next/server";
import { z } from "zod";
import { requestEmailChange } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

/**
 * Needs the current password, or a step-up within 10 minutes. The answer is the same whether or not
 * the new address belongs to another account, so the form can't be used to find accounts.
 */
export const requestEmailChangeAction = action(
  {
    auth: "user",
    rateLimit: {
      exempt: "requestEmailChange counts email-change-account and reauth-account itself",
    },
    input: z.object({
      email: z.email({ error: "Enter an email address such as ada@example.com." }).max(254),
      currentPassword: z.string().max(1024).optional(),
    }),
  },
  async ({ input, user, ip, userAgent }) => {
    const { background } = await requestEmailChange({
      userId: user.id,
      newEmail: input.email,
      currentPassword: input.currentPassword,
      authAt: user.authAt,
      ip: ip ?? UNKNOWN_CLIENT_IP,
      userAgent,
    });
    after(background);
    return {
      message: `If ${input.email.trim().toLowerCase()} can be used, we sent a confirmation link to it. Your address changes when you open the link; until then, keep using your current one.`,
    };
  },
);
