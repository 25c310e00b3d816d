// Pending invitations (owners and admins), and sending a new one (limited per user: each sends an
// email to an address the caller chooses). A pending invitation takes a seat of the plan. Inviting
// an owner needs a recent re-authentication.
import { z } from "zod";
import { limit } from "@/lib/billing";
import { route } from "@/lib/http";
import { createInvitation, createInvitationInput, listPendingInvitations, OWNER_STEP_UP } from "@/lib/orgs";

const params = z.object({ org: z.string() });

export const GET = route(
  { auth: "member", permission: "invitation.read", rateLimit: "api-user", input: { params } },
  async (ctx) => ({ invitations: await listPendingInvitations(ctx.scope) }),
);

export const POST = route(
  {
    auth: "member",
    permission: "invitation.create",
    rateLimit: "invitation-send-user",
    stepUp: OWNER_STEP_UP.invite,
    input: { params, body: createInvitationInput },
  },
  async (ctx) => {
    await limit(ctx.scope.orgId, "seats");
    return Response.json(await createInvitation(ctx.scope, ctx.input.body), { status: 201 });
  },
);
