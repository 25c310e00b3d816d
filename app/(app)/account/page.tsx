import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { requirePageUser } from "@/lib/http";
import { listMyOrganizations } from "@/lib/orgs";
import { SignOutButton } from "./sign-out-button";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const user = await requirePageUser({ returnTo: "/account" });
  const organizations = await listMyOrganizations(user.id);
  return (
    <PublicPage>
      <div className="mx-auto max-w-xl px-4 py-16 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Your account</h1>
        <p className="mt-4 text-slate-700">
          Signed in as <strong>{user.email}</strong>.
        </p>
        <section aria-labelledby="organizations" className="mt-8">
          <h2 id="organizations" className="text-lg font-semibold">
            Your organizations
          </h2>
          {organizations.length === 0 ? (
            <p className="mt-2 text-slate-700">You don't belong to an organization yet.</p>
          ) : (
            <ul className="mt-2 space-y-1">
              {organizations.map((organization) => (
                <li key={organization.id}>
                  <Link
                    href={`/${organization.slug}`}
                    className="font-medium text-indigo-700 underline underline-offset-4"
                  >
                    {organization.name}
                  </Link>{" "}
                  <span className="text-sm text-slate-600">({organization.role.toLowerCase()})</span>
                </li>
              ))}
            </ul>
          )}
          <p className="mt-3">
            <Link
              href="/orgs/new"
              className="text-sm font-semibold text-indigo-700 underline underline-offset-4"
            >
              New organization
            </Link>
          </p>
        </section>
        <SignOutButton />
      </div>
    </PublicPage>
  );
}
