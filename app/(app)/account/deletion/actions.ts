"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { action } from "@/lib/http";
import { queueMail } from "@/lib/jobs";
import { cancelAccountDeletion, requestAccountDeletion } from "@/lib/privacy";

/** The typed confirmation, so a stray click can't schedule a deletion. */
const CONFIRMATION = "delete my account";

/**
 * Schedules the account's deletion after a fresh re-authentication (step-up), signs out every
 * session, and emails the owner (queued) so a deletion they did not ask for can be stopped.
 */
export const requestAccountDeletionAction = action(
  {
    auth: "user",
    stepUp: true,
    rateLimit: "api-user",
    input: z.object({
      confirmation: z
        .string()
        .trim()
        .toLowerCase()
        .refine((value) => value === CONFIRMATION, { error: `Type “${CONFIRMATION}” to confirm.` }),
    }),
  },
  async (ctx) => {
    const { scheduledAt, notification } = await requestAccountDeletion(ctx.user.id, ctx);
    await queueMail(notification);
    redirect(`/account/deletion/scheduled?on=${scheduledAt.toISOString().slice(0, 10)}`);
  },
);

/** A request by a session that has not finished signing in (MFA challenge, unverified email). */
class SignInIncompleteError extends Error {
  readonly status = 403;
  readonly code = "sign_in_incomplete";
  constructor() {
    super("Finish signing in (your authenticator code) before cancelling the deletion.");
  }
}

/**
 * Cancels a pending deletion. Auth "session": an account pending deletion is refused by the "user"
 * level, and this is the one thing it may do; the handler still requires a finished sign-in.
 */
export const cancelAccountDeletionAction = action(
  { auth: "session", rateLimit: "api-user", input: z.object({}) },
  async (ctx) => {
    if (ctx.user.mfa === "pending" || !ctx.user.emailVerified) throw new SignInIncompleteError();
    await cancelAccountDeletion(ctx.user.id, ctx);
    redirect("/account?deletion=cancelled");
  },
);
