"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { unlockAccount } from "@/lib/auth";
import { action } from "@/lib/http";

/** Public: the emailed token is the credential. Unlocks, then shows the outcome. */
export const unlockAccountAction = action(
  {
    auth: "public",
    rateLimit: "pages-ip",
    // A malformed token is just an invalid one: unlockAccount refuses it and the page says so.
    input: z.object({ token: z.string().max(200) }),
  },
  async ({ input, ip }) => {
    const result = await unlockAccount(input.token, { ip });
    redirect(`/unlock?done=${result.ok ? "1" : "0"}`);
  },
);
