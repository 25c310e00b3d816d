// Revokes a pending invitation: its link stops working.
import { z } from "zod";
import { route } from "@/lib/http";
import { revokeInvitation } from "@/lib/orgs";

export const DELETE = route(
  {
    auth: "member",
    permission: "invitation.revoke",
    rateLimit: "api-user",
    input: { params: z.object({ org: z.string(), invitationId: z.uuid() }) },
  },
  async (ctx) => {
    await revokeInvitation(ctx.scope, ctx.input.params.invitationId);
  },
);
