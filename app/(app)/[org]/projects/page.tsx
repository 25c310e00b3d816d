import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm } from "@/components/action-form";
import { QuotaNote } from "@/components/plan-allowance";
import { Field, TextArea } from "@/components/ui/field";
import { quotaUsage } from "@/lib/billing";
import { requirePageMember } from "@/lib/http";
import { listProjects } from "@/lib/orgs";
import { createProjectAction } from "./actions";

export const metadata: Metadata = { title: "Projects" };

type Props = { params: Promise<{ org: string }> };

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default async function ProjectsPage({ params }: Props) {
  const { org } = await params;
  const member = await requirePageMember(org, "project.read");
  const projects = await listProjects(member.scope);
  const mayCreate = member.permissions.has("project.create");
  const usage = mayCreate ? await quotaUsage(member.org.id, "projects") : null;

  return (
    <div className="max-w-4xl">
      <h1 className="text-2xl font-bold tracking-tight">Projects</h1>
      {projects.length === 0 ? (
        <p className="mt-4 text-slate-600">No projects yet.</p>
      ) : (
        <ul className="mt-6 divide-y divide-slate-200 rounded-lg border border-slate-200">
          {projects.map((project) => (
            <li key={project.id} className="p-4">
              <Link
                href={`/${org}/projects/${project.id}`}
                className="font-semibold text-indigo-700 underline underline-offset-4"
              >
                {project.name}
              </Link>
              {project.description ? (
                <p className="mt-1 text-sm text-slate-700">{project.description}</p>
              ) : null}
              <p className="mt-1 text-xs text-slate-500">
                Created {dateFormat.format(project.createdAt)}
                {project.createdBy?.name ? ` by ${project.createdBy.name}` : ""}
              </p>
            </li>
          ))}
        </ul>
      )}

      {usage ? (
        <section aria-labelledby="new-project" className="mt-10 max-w-xl">
          <h2 id="new-project" className="text-lg font-semibold">
            New project
          </h2>
          <QuotaNote usage={usage} quota="projects" orgSlug={org} />
          {usage.reached ? null : (
            <ActionForm action={createProjectAction} submitLabel="Create project" className="mt-4">
              <input type="hidden" name="org" value={org} />
              <Field label="Name" name="name" required />
              <TextArea label="Description" name="description" hint="Optional." />
            </ActionForm>
          )}
        </section>
      ) : null}
    </div>
  );
}
