// One member: change their role, or remove them. lib/orgs applies the policy's rules under the
// organization's lock (admins can't touch owners, nobody grants above their own role, the last owner
// stays), and asks for a recent re-authentication when the change gives, takes or removes Owner.
import { z } from "zod";
import { route } from "@/lib/http";
import { changeMemberRole, changeRoleInput, OWNER_STEP_UP, removeMember } from "@/lib/orgs";

const params = z.object({ org: z.string(), membershipId: z.uuid() });

export const PATCH = route(
  {
    auth: "member",
    permission: "membership.changeRole",
    rateLimit: "api-user",
    stepUp: OWNER_STEP_UP.changeRole,
    input: { params, body: changeRoleInput },
  },
  async (ctx) => ({
    member: await changeMemberRole(ctx.scope, ctx.input.params.membershipId, ctx.input.body.role),
  }),
);

export const DELETE = route(
  {
    auth: "member",
    permission: "membership.remove",
    rateLimit: "api-user",
    stepUp: OWNER_STEP_UP.removeMember,
    input: { params },
  },
  async (ctx) => {
    await removeMember(ctx.scope, ctx.input.params.membershipId);
  },
);
