import Link from "next/link";
import { orgSections } from "@/components/org-nav";
import { requirePageMember } from "@/lib/http";

type Props = { params: Promise<{ org: string }> };

/** The organization overview: where things are, as far as the viewer's role reaches. */
export default async function OrgOverviewPage({ params }: Props) {
  const { org } = await params;
  const member = await requirePageMember(org);

  return (
    <div className="max-w-4xl">
      <h1 className="text-2xl font-bold tracking-tight">{member.org.name}</h1>
      <p className="mt-2 text-slate-600">
        You are {member.role === "ADMIN" ? "an" : "a"} {member.role.toLowerCase()} of this organization.
      </p>
      <ul className="mt-8 grid gap-4 sm:grid-cols-2">
        {orgSections
          .filter((section) => section.path === null || member.permissions.has(section.permission))
          .map((section) => (
            <li key={section.label} className="rounded-lg border border-slate-200 p-5">
              <h2 className="font-semibold">
                {section.path === null ? (
                  section.label
                ) : (
                  <Link
                    href={`/${org}/${section.path}`}
                    className="text-indigo-700 underline underline-offset-4"
                  >
                    {section.label}
                  </Link>
                )}
              </h2>
              <p className="mt-1 text-sm text-slate-600">{section.description}</p>
              {section.path === null ? (
                <p className="mt-3 text-xs font-medium text-slate-500">
                  Arrives with the {section.module} module.
                </p>
              ) : null}
            </li>
          ))}
      </ul>
    </div>
  );
}
