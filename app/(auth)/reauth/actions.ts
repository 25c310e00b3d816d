"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { reauthenticate, safeReturnPath, updateCurrentSession } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

// Step-up re-authentication: proves the password or a TOTP code again, then sets the session's
// authAt so `stepUp: true` endpoints admit it for 10 minutes, and returns to the page that asked
// (same-origin paths only). lib/auth counts attempts against `reauth-account` (and `totp-account`
// for codes), failing closed; the declared policy is the general per-user one.

const next = z.string().max(2048).optional();

export const reauthWithPasswordAction = action(
  {
    auth: "user",
    rateLimit: "api-user",
    input: z.object({
      password: z.string().min(1, { error: "Enter your password." }).max(1024),
      next,
    }),
  },
  async ({ user, input, ip, userAgent }) => {
    const reauthentication = await reauthenticate(
      user.id,
      { password: input.password },
      { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent },
    );
    await updateCurrentSession({ reauthentication });
    redirect(safeReturnPath(input.next));
  },
);

export const reauthWithCodeAction = action(
  {
    auth: "user",
    rateLimit: "api-user",
    input: z.object({
      code: z.string().trim().min(1, { error: "Enter the 6-digit code from your app." }).max(64),
      next,
    }),
  },
  async ({ user, input, ip, userAgent }) => {
    const reauthentication = await reauthenticate(
      user.id,
      { code: input.code },
      { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent },
    );
    await updateCurrentSession({ reauthentication });
    redirect(safeReturnPath(input.next));
  },
);
