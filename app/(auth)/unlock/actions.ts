"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { unlockAccount } from "@/lib/auth";
import { clientIp, UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

const unlockInput = z.object({ token: z.string().min(20).max(200) });

/** Public (the token is the credential): parse, unlock, show the outcome. */
export async function unlockAccountAction(form: FormData): Promise<void> {
  const parsed = unlockInput.safeParse({ token: form.get("token") });
  if (!parsed.success) redirect("/unlock?done=0");
  const ip = clientIp(await headers());
  const result = await unlockAccount(parsed.data.token, { ip: ip === UNKNOWN_CLIENT_IP ? null : ip });
  redirect(`/unlock?done=${result.ok ? "1" : "0"}`);
}
