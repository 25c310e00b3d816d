import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { requirePageUser, STEP_UP_MAX_AGE_MS } from "@/lib/http";
import { ChangeEmailForm } from "./change-email-form";

export const metadata: Metadata = { title: "Change your email address" };

export default async function ChangeEmailPage() {
  const user = await requirePageUser({ returnTo: "/account/email" });
  const recentlyConfirmed = Date.now() - user.authAt <= STEP_UP_MAX_AGE_MS;
  return (
    <PublicPage>
      <div className="mx-auto max-w-md px-4 py-16 sm:px-6">
        <p className="text-sm">
          <Link href="/account" className="font-semibold text-indigo-700 underline underline-offset-4">
            Your account
          </Link>
        </p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight">Change your email address</h1>
        <p className="mt-4 text-slate-700">
          You sign in with <strong>{user.email}</strong>. We send a link to the new address, and the change
          happens when you open it. Then everyone is signed out, and your current address gets a notice with a
          link to undo the change for 7 days.
        </p>
        <ChangeEmailForm askCurrent={!recentlyConfirmed} />
      </div>
    </PublicPage>
  );
}
