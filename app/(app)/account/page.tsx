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
        <section aria-labelledby="sign-in-security" className="mt-8">
          <h2 id="sign-in-security" className="text-lg font-semibold">
            Sign-in and security
          </h2>
          <ul className="mt-2 space-y-1">
            <li>
              <Link
                href="/account/password"
                className="font-semibold text-indigo-700 underline underline-offset-4"
              >
                Change your password
              </Link>
            </li>
            <li>
              <Link
                href="/account/email"
                className="font-semibold text-indigo-700 underline underline-offset-4"
              >
                Change your email address
              </Link>
            </li>
          </ul>
        </section>
        <SignOutButton />
      </div>
    </PublicPage>
  );
}
