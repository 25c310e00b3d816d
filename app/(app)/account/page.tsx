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
        <section aria-labelledby="security" className="mt-8">
          <h2 id="security" className="text-xl font-semibold">
            Security
          </h2>
          <ul className="mt-3 space-y-2">
            <li>
              <Link
                href="/account/mfa"
                className="font-semibold text-indigo-700 underline underline-offset-4"
              >
                Two-factor authentication
              </Link>{" "}
              <span className="text-slate-600">({user.mfaEnabled ? "on" : "off"})</span>
            </li>
            <li>
              <Link
                href="/account/sessions"
                className="font-semibold text-indigo-700 underline underline-offset-4"
              >
                Where you're signed in
              </Link>
            </li>
          </ul>
        </section>
        <SignOutButton />
      </div>
    </PublicPage>
  );
}
