// The organization's members, for every member.
import { z } from "zod";
import { route } from "@/lib/http";
import { listMembers } from "@/lib/orgs";

export const GET = route(
  {
    auth: "member",
    permission: "membership.read",
    rateLimit: "api-user",
    input: { params: z.object({ org: z.string() }) },
  },
  async (ctx) => ({ members: await listMembers(ctx.scope) }),
);
