// Hands ownership to another member (the caller becomes an admin). Needs a recent re-authentication.
import { z } from "zod";
import { route } from "@/lib/http";
import { transferOwnership, transferOwnershipInput } from "@/lib/orgs";

export const POST = route(
  {
    auth: "member",
    permission: "organization.transferOwnership",
    rateLimit: "api-user",
    stepUp: true,
    input: { params: z.object({ org: z.string() }), body: transferOwnershipInput },
  },
  async (ctx) => ({ owner: await transferOwnership(ctx.scope, ctx.input.body.membershipId) }),
);
