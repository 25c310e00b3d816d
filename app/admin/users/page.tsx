import type { Metadata } from "next";
import Link from "next/link";
import { AdminPager, AdminSearch, searchParam } from "@/components/admin-search";
import { UtcTime } from "@/components/utc-time";
import { type AdminPage, type AdminUserSummary, InvalidAdminQueryError, listUsers } from "@/lib/admin";
import { requirePagePlatformAdmin } from "@/lib/http";

export const metadata: Metadata = { title: "Users" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AdminUsersPage({ searchParams }: Props) {
  await requirePagePlatformAdmin();
  const params = await searchParams;
  const search = searchParam(params, "q");
  let page: AdminPage<AdminUserSummary> | null = null;
  let problem: string | null = null;
  try {
    page = await listUsers({ search, cursor: searchParam(params, "cursor") || null });
  } catch (error) {
    if (!(error instanceof InvalidAdminQueryError)) throw error;
    problem = Object.values(error.fields).flat().join(" ");
  }

  return (
    <div className="max-w-6xl space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Users</h1>
      <AdminSearch
        path="/admin/users"
        label="Find a user"
        hint="Part of an email or name, or a user id"
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
      {page && page.items.length === 0 ? <p className="text-sm text-slate-600">No users match.</p> : null}
      {page && page.items.length > 0 ? (
        <div className="overflow-x-auto rounded-lg border border-slate-200">
          <table className="min-w-full divide-y divide-slate-200 text-left text-sm">
            <caption className="sr-only">Users, by email</caption>
            <thead className="bg-slate-50 text-xs font-semibold text-slate-700 uppercase">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Email
                </th>
                <th scope="col" className="px-3 py-2">
                  Name
                </th>
                <th scope="col" className="px-3 py-2">
                  Verified
                </th>
                <th scope="col" className="px-3 py-2">
                  MFA
                </th>
                <th scope="col" className="px-3 py-2">
                  Status
                </th>
                <th scope="col" className="px-3 py-2">
                  Last sign-in
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {page.items.map((user) => (
                <tr key={user.id}>
                  <td className="px-3 py-2">
                    <Link
                      href={`/admin/users/${user.id}`}
                      className="text-indigo-700 underline underline-offset-4"
                    >
                      {user.email}
                    </Link>
                    {user.isPlatformAdmin ? (
                      <span className="ml-2 rounded bg-slate-900 px-1.5 py-0.5 text-xs font-medium text-white">
                        admin
                      </span>
                    ) : null}
                  </td>
                  <td className="px-3 py-2">{user.name ?? ""}</td>
                  <td className="px-3 py-2">{user.emailVerified ? "yes" : "no"}</td>
                  <td className="px-3 py-2">{user.mfaEnabled ? "on" : "off"}</td>
                  <td className="px-3 py-2">
                    {user.disabled ? <span className="font-semibold text-red-700">disabled</span> : "active"}
                  </td>
                  <td className="px-3 py-2 whitespace-nowrap">
                    <UtcTime iso={user.lastSignInAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {page ? (
        <AdminPager
          path="/admin/users"
          search={search}
          previousCursor={page.previousCursor}
          nextCursor={page.nextCursor}
        />
      ) : null}
    </div>
  );
}
