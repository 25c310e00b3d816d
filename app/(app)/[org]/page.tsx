import Link from "next/link";
import { orgSections } from "@/components/org-nav";
import { requirePageMember } from "@/lib/http";

type Props = { params: Promise<{ org: string }> };

/** The organization overview: for now, a map of the sections that are on their way. */
export default async function OrgOverviewPage({ params }: Props) {
  const { org } = await params;
  await requirePageMember(org);

  return (
    <div className="max-w-4xl">
      <h1 className="text-2xl font-bold tracking-tight">{org}</h1>
      <p className="mt-2 text-slate-600">This is the organization's workspace.</p>
      <ul className="mt-8 grid gap-4 sm:grid-cols-2">
        {orgSections.map((section) => (
          <li key={section.label} className="rounded-lg border border-slate-200 p-5">
            <h2 className="font-semibold">{section.label}</h2>
            <p className="mt-1 text-sm text-slate-600">{section.description}</p>
            {"path" in section ? (
              <Link
                href={`/${org}/${section.path}`}
                className="mt-3 inline-block rounded-sm text-sm font-semibold text-indigo-700 underline underline-offset-4"
              >
                Open {section.label.toLowerCase()}
              </Link>
            ) : (
              <p className="mt-3 text-xs font-medium text-slate-500">
                Arrives with the {section.module} module.
              </p>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
