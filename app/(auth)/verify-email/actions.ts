"use server";

import { redirect } from "next/navigation";
import { after } from "next/server";
import { z } from "zod";
import { resendVerificationEmail, verifyEmail } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

/** Where a verified visitor who isn't signed in goes next (and a bot that filled the honeypot). */
const VERIFIED_SIGN_IN = "/sign-in?notice=verified";

/**
 * Public: the emailed token is the credential. A person who is signed in (as the account the link
 * verifies) goes straight into the app; anyone else signs in next.
 */
export const verifyEmailAction = action(
  {
    auth: "public",
    rateLimit: "pages-ip",
    honeypot: { redirectTo: VERIFIED_SIGN_IN },
    // A malformed token is just an invalid one: verifyEmail refuses it and the page says so.
    input: z.object({ token: z.string().max(200) }),
  },
  async ({ input, ip, userAgent, user }) => {
    const result = await verifyEmail(input.token, { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    if (!result.ok) redirect("/verify-email?done=0");
    redirect(user?.id === result.userId ? "/account" : VERIFIED_SIGN_IN);
  },
);

/** The answer whatever happened (sent, already verified, throttled): nothing to learn from it. */
const RESENT =
  "If your address still needs verifying, a new link is on its way. It replaces the earlier ones.";

export const resendVerificationAction = action(
  {
    auth: "session",
    rateLimit: {
      exempt:
        "resendVerificationEmail counts verification-resend-account itself and answers the same when over it",
    },
    input: z.object({}),
  },
  async ({ user, ip, userAgent }) => {
    const { background } = await resendVerificationEmail({
      userId: user.id,
      ip: ip ?? UNKNOWN_CLIENT_IP,
      userAgent,
    });
    after(background);
    return { message: RESENT };
  },
);
