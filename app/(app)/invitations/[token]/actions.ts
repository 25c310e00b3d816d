"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { action } from "@/lib/http";
import { acceptInvitation } from "@/lib/orgs";

/** Accepts the invitation for the signed-in, verified user (lib/orgs checks it is the invited address). */
export const acceptInvitationAction = action(
  { auth: "user", rateLimit: "api-user", input: z.object({ token: z.string().max(200) }) },
  async (ctx) => {
    const joined = await acceptInvitation(
      { userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent },
      ctx.input.token,
    );
    redirect(`/${joined.organizationSlug}`);
  },
);
