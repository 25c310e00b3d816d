// One project. The per-object rule lives in lib/orgs: a member may update a project they created;
// a project of another organization is "not found", like a missing one.
import { z } from "zod";
import { route } from "@/lib/http";
import { deleteProject, getProject, updateProject, updateProjectInput } from "@/lib/orgs";

const params = z.object({ org: z.string(), projectId: z.uuid() });

export const GET = route(
  { auth: "member", permission: "project.read", rateLimit: "api-user", input: { params } },
  async (ctx) => ({ project: await getProject(ctx.scope, ctx.input.params.projectId) }),
);

export const PATCH = route(
  {
    auth: "member",
    permission: "project.update",
    rateLimit: "api-user",
    input: { params, body: updateProjectInput },
  },
  async (ctx) => ({ project: await updateProject(ctx.scope, ctx.input.params.projectId, ctx.input.body) }),
);

export const DELETE = route(
  { auth: "member", permission: "project.delete", rateLimit: "api-user", input: { params } },
  async (ctx) => {
    await deleteProject(ctx.scope, ctx.input.params.projectId);
  },
);
