"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { rememberThisDevice, unlockAccount } from "@/lib/auth";
import { action } from "@/lib/http";

/** The page saying the account is unlocked (also where a bot that filled the honeypot is sent). */
const UNLOCKED = "/unlock?done=1";

/**
 * Public: the emailed token is the credential. Unlocks, makes this browser a device of the account
 * (so an attacker who locks it again doesn't lock this browser out), then shows the outcome.
 */
export const unlockAccountAction = action(
  {
    auth: "public",
    rateLimit: "pages-ip",
    honeypot: { redirectTo: UNLOCKED },
    // A malformed token is just an invalid one: unlockAccount refuses it and the page says so.
    input: z.object({ token: z.string().max(200) }),
  },
  async ({ input, ip }) => {
    const result = await unlockAccount(input.token, { ip });
    if (result.ok) await rememberThisDevice(result.userId);
    redirect(result.ok ? UNLOCKED : "/unlock?done=0");
  },
);
