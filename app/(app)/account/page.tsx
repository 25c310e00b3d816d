import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { requirePageUser } from "@/lib/http";
import { SignOutButton } from "./sign-out-button";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const user = await requirePageUser({ returnTo: "/account" });
  return (
    <PublicPage>
      <div className="mx-auto max-w-xl px-4 py-16 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Your account</h1>
        <p className="mt-4 text-slate-700">
          Signed in as <strong>{user.email}</strong>.
        </p>
        <section aria-labelledby="billing-title" className="mt-8">
          <h2 id="billing-title" className="text-lg font-semibold">
            Billing
          </h2>
          <p className="mt-2 text-slate-700">
            Plans belong to organizations: owners and admins change them on the organization's Billing page.{" "}
            <Link href="/pricing" className="font-semibold text-indigo-700 underline underline-offset-4">
              See the plans
            </Link>
            .
          </p>
        </section>
        <SignOutButton />
      </div>
    </PublicPage>
  );
}
