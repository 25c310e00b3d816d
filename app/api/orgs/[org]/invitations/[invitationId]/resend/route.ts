// Sends an invitation again with a new link (the old one stops working); at most once a minute.
import { z } from "zod";
import { route } from "@/lib/http";
import { resendInvitation } from "@/lib/orgs";

export const POST = route(
  {
    auth: "member",
    permission: "invitation.resend",
    rateLimit: "invitation-send-user",
    input: { params: z.object({ org: z.string(), invitationId: z.uuid() }) },
  },
  async (ctx) => resendInvitation(ctx.scope, ctx.input.params.invitationId),
);
