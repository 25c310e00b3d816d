import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { requirePageUser } from "@/lib/http";
import { SignOutButton } from "./sign-out-button";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<{ deletion?: string }>;
}) {
  const user = await requirePageUser({ returnTo: "/account" });
  const { deletion } = await searchParams;
  return (
    <PublicPage>
      <div className="mx-auto max-w-xl px-4 py-16 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Your account</h1>
        <p className="mt-4 text-slate-700">
          Signed in as <strong>{user.email}</strong>.
        </p>
        {deletion === "cancelled" ? (
          <p role="status" className="mt-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
            The deletion is cancelled: your account stays as it was.
          </p>
        ) : null}
        <section aria-labelledby="your-data-heading" className="mt-8">
          <h2 id="your-data-heading" className="text-lg font-semibold">
            Your data
          </h2>
          <ul className="mt-2 space-y-1 text-slate-700">
            <li>
              <Link href="/account/export" className="text-indigo-700 underline underline-offset-4">
                Export your data
              </Link>
            </li>
            <li>
              <Link href="/account/deletion" className="text-indigo-700 underline underline-offset-4">
                Delete your account
              </Link>
            </li>
          </ul>
        </section>
        <SignOutButton />
      </div>
    </PublicPage>
  );
}
