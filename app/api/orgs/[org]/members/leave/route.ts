// The caller leaves the organization (the last owner can't).
import { z } from "zod";
import { route } from "@/lib/http";
import { leaveOrganization } from "@/lib/orgs";

export const POST = route(
  {
    auth: "member",
    permission: "membership.leave",
    rateLimit: "api-user",
    input: { params: z.object({ org: z.string() }) },
  },
  async (ctx) => {
    await leaveOrganization(ctx.scope);
  },
);
