"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { limit } from "@/lib/billing";
import { action } from "@/lib/http";
import { createProject, createProjectInput, deleteProject, updateProject } from "@/lib/orgs";

// The forms of the projects pages. lib/orgs validates the fields again and applies the per-object
// rule (a member may change only a project they created). The fields are validated with lib/orgs'
// schema for a new project, so a value it would refuse is a form error here; the edit form sends
// the same two fields (name and description), both always present.
const fields = createProjectInput.extend({ org: z.string() });
const projectId = z.object({ org: z.string(), projectId: z.uuid() });

export const createProjectAction = action(
  { auth: "member", permission: "project.create", rateLimit: "api-user", input: fields },
  async (ctx) => {
    await limit(ctx.scope.orgId, "projects");
    const project = await createProject(ctx.scope, ctx.input);
    revalidatePath(`/${ctx.org.slug}/projects`);
    // To the new project: the list's form may be gone now (the plan's last project), and with it
    // any message shown there.
    redirect(`/${ctx.org.slug}/projects/${project.id}?created=1`);
  },
);

export const updateProjectAction = action(
  {
    auth: "member",
    permission: "project.update",
    rateLimit: "api-user",
    input: fields.extend(projectId.shape),
  },
  async (ctx) => {
    const { projectId: id, name, description } = ctx.input;
    await updateProject(ctx.scope, id, { name, description });
    revalidatePath(`/${ctx.org.slug}/projects`);
    return { message: "Saved." };
  },
);

export const deleteProjectAction = action(
  { auth: "member", permission: "project.delete", rateLimit: "api-user", input: projectId },
  async (ctx) => {
    await deleteProject(ctx.scope, ctx.input.projectId);
    revalidatePath(`/${ctx.org.slug}/projects`);
    redirect(`/${ctx.org.slug}/projects`);
  },
);
