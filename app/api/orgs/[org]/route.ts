// One organization: read it, rename it or change its settings, delete it (owner, after step-up).
import { z } from "zod";
import { cancelSubscriptionFirst, requireEntitlement } from "@/lib/billing";
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
  async (ctx) => {
    // Requiring MFA of every member is a plan feature; turning it off is always allowed.
    if (ctx.input.body.requireMfa === true) await requireEntitlement(ctx.scope.orgId, "require_mfa");
    return { organization: await updateOrganization(ctx.scope, ctx.input.body) };
  },
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
    await deleteOrganization(ctx.scope, ctx.input.body, {
      beforeDelete: cancelSubscriptionFirst({ userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent }),
    });
  },
);
