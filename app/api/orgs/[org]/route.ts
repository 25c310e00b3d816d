// One organization: read it, rename it or change its settings, delete it (owner, after step-up).
import { z } from "zod";
import { cancelSubscriptionNow } from "@/lib/billing";
import { route } from "@/lib/http";
import {
  deleteOrganization,
  deleteOrganizationInput,
  getOrganization,
  updateOrganization,
  updateOrganizationInput,
} from "@/lib/orgs";

const params = z.object({ org: z.string() });

export const GET = route(
  { auth: "member", permission: "organization.read", rateLimit: "api-user", input: { params } },
  async (ctx) => ({ organization: await getOrganization(ctx.scope), role: ctx.role }),
);

export const PATCH = route(
  {
    auth: "member",
    permission: "organization.update",
    rateLimit: "api-user",
    input: { params, body: updateOrganizationInput },
  },
  async (ctx) => ({ organization: await updateOrganization(ctx.scope, ctx.input.body) }),
);

export const DELETE = route(
  {
    auth: "member",
    permission: "organization.delete",
    rateLimit: "api-user",
    stepUp: true,
    input: { params, body: deleteOrganizationInput },
  },
  async (ctx) => {
    // The subscription is canceled first; if Stripe refuses, nothing is deleted.
    await deleteOrganization(ctx.scope, ctx.input.body, {
      beforeDelete: async ({ id }) => {
        await cancelSubscriptionNow({
          orgId: id,
          actorUserId: ctx.user.id,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
        });
      },
    });
  },
);
