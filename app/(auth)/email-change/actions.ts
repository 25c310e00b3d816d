"use server";

import { redirect } from "next/navigation";
import { after } from "next/server";
import { z } from "zod";
import { confirmEmailChange, undoEmailChange } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

// Both public: the emailed token is the credential (the change signs everyone out anyway). A
// malformed token is just an invalid one: the lib refuses it and the page says so. A bot that filled
// the honeypot is sent to the success page, as a person whose link worked.
const tokenInput = z.object({ token: z.string().max(200) });

export const confirmEmailChangeAction = action(
  {
    auth: "public",
    rateLimit: "pages-ip",
    honeypot: { redirectTo: "/email-change/confirm?done=1" },
    input: tokenInput,
  },
  async ({ input, ip, userAgent }) => {
    const result = await confirmEmailChange(input.token, { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    if (result.ok) after(result.background);
    redirect(
      `/email-change/confirm?done=${result.ok ? "1" : result.reason === "address_taken" ? "taken" : "0"}`,
    );
  },
);

export const undoEmailChangeAction = action(
  {
    auth: "public",
    rateLimit: "pages-ip",
    honeypot: { redirectTo: "/email-change/undo?done=1" },
    input: tokenInput,
  },
  async ({ input, ip, userAgent }) => {
    const result = await undoEmailChange(input.token, { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    redirect(
      `/email-change/undo?done=${result.ok ? "1" : result.reason === "address_taken" ? "taken" : "0"}`,
    );
  },
);
