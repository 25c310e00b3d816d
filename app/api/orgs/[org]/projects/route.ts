// The organization's projects: every member reads them, owners and admins create them, up to the
// plan's allowance (lib/billing `limit`: 402 plan_limit_reached past it).
import { z } from "zod";
import { limit } from "@/lib/billing";
import { route } from "@/lib/http";
import { createProject, createProjectInput, listProjects } from "@/lib/orgs";

const params = z.object({ org: z.string() });

export const GET = route(
  { auth: "member", permission: "project.read", rateLimit: "api-user", input: { params } },
  async (ctx) => ({ projects: await listProjects(ctx.scope) }),
);

export const POST = route(
  {
    auth: "member",
    permission: "project.create",
    rateLimit: "api-user",
    input: { params, body: createProjectInput },
  },
  async (ctx) => {
    await limit(ctx.scope.orgId, "projects");
    return Response.json({ project: await createProject(ctx.scope, ctx.input.body) }, { status: 201 });
  },
);
