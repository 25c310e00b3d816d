import type { Metadata } from "next";
import Link from "next/link";
import { AdminPager, AdminSearch, searchParam } from "@/components/admin-search";
import { UtcTime } from "@/components/utc-time";
import {
  type AdminOrganizationSummary,
  type AdminPage,
  InvalidAdminQueryError,
  listOrganizations,
} from "@/lib/admin";
import { requirePagePlatformAdmin } from "@/lib/http";

export const metadata: Metadata = { title: "Organizations" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AdminOrganizationsPage({ searchParams }: Props) {
  await requirePagePlatformAdmin();
  const params = await searchParams;
  const search = searchParam(params, "q");
  let page: AdminPage<AdminOrganizationSummary> | null = null;
  let problem: string | null = null;
  try {
    page = await listOrganizations({ search, cursor: searchParam(params, "cursor") || null });
  } catch (error) {
    if (!(error instanceof InvalidAdminQueryError)) throw error;
    problem = Object.values(error.fields).flat().join(" ");
  }

  return (
    <div className="max-w-6xl space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Organizations</h1>
      <AdminSearch
        path="/admin/organizations"
        label="Find an organization"
        hint="Part of a slug or name, or an organization id"
        value={search}
      />
      {problem ? (
        <p
          role="alert"
          className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
        >
          {problem}
        </p>
      ) : null}
      {page && page.items.length === 0 ? (
        <p className="text-sm text-slate-600">No organizations match.</p>
      ) : null}
      {page && page.items.length > 0 ? (
        <div className="overflow-x-auto rounded-lg border border-slate-200">
          <table className="min-w-full divide-y divide-slate-200 text-left text-sm">
            <caption className="sr-only">Organizations, by slug</caption>
            <thead className="bg-slate-50 text-xs font-semibold text-slate-700 uppercase">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Slug
                </th>
                <th scope="col" className="px-3 py-2">
                  Name
                </th>
                <th scope="col" className="px-3 py-2">
                  Members
                </th>
                <th scope="col" className="px-3 py-2">
                  Requires MFA
                </th>
                <th scope="col" className="px-3 py-2">
                  Created
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Links</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {page.items.map((org) => (
                <tr key={org.id}>
                  <td className="px-3 py-2 font-mono text-xs">
                    <Link
                      href={`/admin/organizations/${encodeURIComponent(org.slug)}`}
                      className="text-indigo-700 underline underline-offset-4"
                    >
                      {org.slug}
                    </Link>
                  </td>
                  <td className="px-3 py-2">{org.name}</td>
                  <td className="px-3 py-2">{org.members}</td>
                  <td className="px-3 py-2">{org.requireMfa ? "yes" : "no"}</td>
                  <td className="px-3 py-2 whitespace-nowrap">
                    <UtcTime iso={org.createdAt} />
                  </td>
                  <td className="px-3 py-2">
                    <Link
                      href={`/admin/audit?org=${encodeURIComponent(org.slug)}`}
                      className="text-indigo-700 underline underline-offset-4"
                    >
                      Audit log<span className="sr-only"> of {org.slug}</span>
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {page ? (
        <AdminPager
          path="/admin/organizations"
          search={search}
          previousCursor={page.previousCursor}
          nextCursor={page.nextCursor}
        />
      ) : null}
    </div>
  );
}
