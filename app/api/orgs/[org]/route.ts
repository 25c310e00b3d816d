// One organization: read it, rename it or change its settings, delete it (owner, after step-up).
import { z } from "zod";
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
    // BILLING: pass { beforeDelete: ({ id }) => cancelSubscription(id) } from lib/billing here, so
    // the subscription is cancelled before the organization is deleted (and nothing is deleted if
    // that fails).
    await deleteOrganization(ctx.scope, ctx.input.body);
  },
);
