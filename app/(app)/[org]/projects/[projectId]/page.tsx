import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ActionForm } from "@/components/action-form";
import { Field, TextArea } from "@/components/ui/field";
import { displayName } from "@/lib/auth";
import { can } from "@/lib/authz";
import { requirePageMember } from "@/lib/http";
import { getProject, NotFoundError } from "@/lib/orgs";
import { deleteProjectAction, updateProjectAction } from "../actions";

export const metadata: Metadata = { title: "Project" };

type Props = {
  params: Promise<{ org: string; projectId: string }>;
  searchParams: Promise<{ created?: string }>;
};

export default async function ProjectPage({ params, searchParams }: Props) {
  const { org, projectId } = await params;
  const { created } = await searchParams;
  const member = await requirePageMember(org, "project.read");
  const project = await getProject(member.scope, projectId).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  // The same rule the server applies when the form is sent: hide what this viewer can't do.
  const mayEdit = can(member.role, "project.update", {
    actorUserId: member.user.id,
    resourceCreatedById: project.createdBy?.id ?? null,
  });
  const mayDelete = can(member.role, "project.delete");

  return (
    <div className="max-w-xl">
      <p className="text-sm">
        <Link href={`/${org}/projects`} className="text-indigo-700 underline underline-offset-4">
          Projects
        </Link>
      </p>
      {created === "1" ? (
        <p role="status" className="mt-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
          Project created.
        </p>
      ) : null}
      <h1 className="mt-2 text-2xl font-bold tracking-tight">{project.name}</h1>
      {project.description ? <p className="mt-2 text-slate-700">{project.description}</p> : null}
      <p className="mt-1 text-xs text-slate-500">
        Created by {project.createdBy ? displayName(project.createdBy) : "a former member"}
      </p>

      {mayEdit ? (
        <section aria-labelledby="edit-project" className="mt-8">
          <h2 id="edit-project" className="text-lg font-semibold">
            Edit
          </h2>
          <ActionForm action={updateProjectAction} submitLabel="Save" className="mt-4">
            <input type="hidden" name="org" value={org} />
            <input type="hidden" name="projectId" value={project.id} />
            <Field label="Name" name="name" defaultValue={project.name} required />
            <TextArea label="Description" name="description" defaultValue={project.description ?? ""} />
          </ActionForm>
        </section>
      ) : null}

      {mayDelete ? (
        <section aria-labelledby="delete-project" className="mt-10 rounded-lg border border-red-200 p-4">
          <h2 id="delete-project" className="font-semibold text-red-800">
            Delete this project
          </h2>
          <p className="mt-1 text-sm text-slate-700">
            This can't be undone. The audit log keeps a record of it.
          </p>
          <ActionForm action={deleteProjectAction} submitLabel="Delete project" danger className="mt-3">
            <input type="hidden" name="org" value={org} />
            <input type="hidden" name="projectId" value={project.id} />
          </ActionForm>
        </section>
      ) : null}
    </div>
  );
}
