import Link from "next/link";
import { visibleSections } from "@/components/org-nav";
import { roleWithArticle } from "@/lib/authz";
import { requirePageMember } from "@/lib/http";

type Props = { params: Promise<{ org: string }> };

/** The organization overview: where things are, as far as the viewer's role reaches. */
export default async function OrgOverviewPage({ params }: Props) {
  const { org } = await params;
  const member = await requirePageMember(org);

  return (
    <div className="max-w-4xl">
      <h1 className="text-2xl font-bold tracking-tight">{member.org.name}</h1>
      <p className="mt-2 text-slate-600">You are {roleWithArticle(member.role)} of this organization.</p>
      <ul className="mt-8 grid gap-4 sm:grid-cols-2">
        {visibleSections(member.permissions).map((section) => (
          <li key={section.label} className="rounded-lg border border-slate-200 p-5">
            <h2 className="font-semibold">
              <Link href={`/${org}/${section.path}`} className="text-indigo-700 underline underline-offset-4">
                {section.label}
              </Link>
            </h2>
            <p className="mt-1 text-sm text-slate-600">{section.description}</p>
          </li>
        ))}
      </ul>
    </div>
  );
}
