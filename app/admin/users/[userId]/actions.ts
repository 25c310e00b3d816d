"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { disableUser, enableUser, forceSignOut, resendVerification } from "@/lib/admin";
import { action } from "@/lib/http";

// A platform admin's actions on one account (lib/admin), each audited with the admin as actor. One
// action for the page's one form: the button pressed names what to do.
export const manageUserAction = action(
  {
    auth: "platformAdmin",
    rateLimit: "api-user",
    input: z.object({
      userId: z.string().max(64),
      intent: z.enum(["disable", "enable", "sign_out", "resend_verification"]),
    }),
  },
  async (ctx) => {
    const admin = { userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent };
    const { userId, intent } = ctx.input;
    let message: string;
    if (intent === "disable") {
      const { changed } = await disableUser(admin, userId);
      message = changed
        ? "Account disabled. Every session it had has ended."
        : "The account was already disabled.";
    } else if (intent === "enable") {
      const { changed } = await enableUser(admin, userId);
      message = changed ? "Account enabled. The user can sign in again." : "The account was already enabled.";
    } else if (intent === "sign_out") {
      await forceSignOut(admin, userId);
      message = "Signed out everywhere. The user must sign in again.";
    } else {
      const { changed } = await resendVerification(admin, userId);
      message = changed
        ? "A new verification link is on its way. Older links no longer work."
        : "The address is already verified: nothing was sent.";
    }
    revalidatePath(`/admin/users/${userId}`);
    return { message };
  },
);
