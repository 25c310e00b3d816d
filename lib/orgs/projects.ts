import "server-only";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit";
import { type PublicUser, publicUserSelect } from "@/lib/auth";
import { can } from "@/lib/authz";
import { getDb } from "@/lib/db";
import { ForbiddenError, NotFoundError, parseCallerInput } from "./errors";
import { auditBase, type OrgScope, type Tx } from "./scope";
import { inTransaction, isUuid, refuse } from "./transaction";

// Projects are the worked example of per-object rules: every member reads them, owners and admins
// create, change and delete them, and a member may change the projects they created themselves
// (`project.update` with the `ownProject` condition, decided on the stored createdById).

const projectName = z
  .string()
  .trim()
  .min(1, { error: "Enter a name." })
  .max(100, { error: "Use at most 100 characters." });
const projectDescription = z
  .string()
  .trim()
  .max(2000, { error: "Use at most 2,000 characters." })
  .transform((text) => text || null)
  .nullable();

export const createProjectInput = z.object({ name: projectName, description: projectDescription.optional() });
export const updateProjectInput = z
  .object({ name: projectName.optional(), description: projectDescription.optional() })
  .refine((input) => input.name !== undefined || input.description !== undefined, {
    error: "Change the name, the description, or both.",
  });
export type CreateProjectInput = z.input<typeof createProjectInput>;
export type UpdateProjectInput = z.input<typeof updateProjectInput>;

export type ProjectView = {
  id: string;
  name: string;
  description: string | null;
  /** Who created it; null once their account is deleted. */
  createdBy: PublicUser | null;
  createdAt: Date;
  updatedAt: Date;
};

const projectSelect = {
  id: true,
  name: true,
  description: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: publicUserSelect },
} as const;

/** The organization's projects, newest first. */
export async function listProjects(scope: OrgScope): Promise<ProjectView[]> {
  return getDb().project.findMany({
    where: { orgId: scope.orgId },
    select: projectSelect,
    orderBy: { createdAt: "desc" },
  });
}

/** One project of the caller's organization; 404 for a project of another one, exactly as for none. */
export async function getProject(scope: OrgScope, projectId: string): Promise<ProjectView> {
  if (!isUuid(projectId)) throw new NotFoundError();
  const project = await getDb().project.findFirst({
    where: { id: projectId, orgId: scope.orgId },
    select: projectSelect,
  });
  if (!project) throw new NotFoundError();
  return project;
}

/** Creates a project in the caller's organization, created by the caller. Records `project.created`. */
export async function createProject(scope: OrgScope, input: CreateProjectInput): Promise<ProjectView> {
  const { name, description } = parseCallerInput(createProjectInput, input);
  if (!can(scope.role, "project.create")) {
    await refuse(
      scope,
      null,
      new ForbiddenError("project.create", "Only owners and admins can create projects."),
    );
  }
  return inTransaction(scope, null, async (tx) => {
    const project = await tx.project.create({
      data: { orgId: scope.orgId, createdById: scope.userId, name, description: description ?? null },
      select: projectSelect,
    });
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "project.created",
        target: { type: "project", id: project.id },
        metadata: { name },
      },
      tx,
    );
    return project;
  });
}

/** Reads the project for a change, inside the transaction; 404 outside the caller's organization. */
async function findForChange(tx: Tx, scope: OrgScope, projectId: string) {
  if (!isUuid(projectId)) throw new NotFoundError();
  const project = await tx.project.findFirst({
    where: { id: projectId, orgId: scope.orgId },
    select: { id: true, name: true, description: true, createdById: true },
  });
  if (!project) throw new NotFoundError();
  return project;
}

/**
 * Changes a project's name or description: owners and admins any project, members their own.
 * Records `project.updated` when something actually changed: the name from and to, and only that
 * the description changed (it can be long and personal; the audit log keeps it for 400 days).
 */
export async function updateProject(
  scope: OrgScope,
  projectId: string,
  input: UpdateProjectInput,
): Promise<ProjectView> {
  const changes = parseCallerInput(updateProjectInput, input);
  return inTransaction(scope, { type: "project", id: projectId }, async (tx) => {
    const project = await findForChange(tx, scope, projectId);
    const facts = { actorUserId: scope.userId, resourceCreatedById: project.createdById };
    if (!can(scope.role, "project.update", facts)) {
      throw new ForbiddenError("project.update", "You can change only the projects you created.");
    }
    const updated = await tx.project.update({
      where: { id: project.id, orgId: scope.orgId },
      data: changes,
      select: projectSelect,
    });
    const renamed = updated.name !== project.name;
    const describedAnew = updated.description !== project.description;
    if (renamed || describedAnew) {
      await recordAuditEvent(
        {
          ...auditBase(scope, scope.orgId),
          action: "project.updated",
          target: { type: "project", id: project.id },
          metadata: {
            ...(renamed ? { name: { from: project.name, to: updated.name } } : {}),
            ...(describedAnew ? { descriptionChanged: true } : {}),
          },
        },
        tx,
      );
    }
    return updated;
  });
}

/** Deletes a project (owners and admins). Records `project.deleted` with its name. */
export async function deleteProject(scope: OrgScope, projectId: string): Promise<void> {
  await inTransaction(scope, { type: "project", id: projectId }, async (tx) => {
    const project = await findForChange(tx, scope, projectId);
    if (!can(scope.role, "project.delete")) {
      throw new ForbiddenError("project.delete", "Only owners and admins can delete projects.");
    }
    await tx.project.delete({ where: { id: project.id, orgId: scope.orgId } });
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "project.deleted",
        target: { type: "project", id: project.id },
        metadata: { name: project.name },
      },
      tx,
    );
  });
}
