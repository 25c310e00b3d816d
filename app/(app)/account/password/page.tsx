import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { describePasswordRules } from "@/lib/auth";
import { requirePageUser, STEP_UP_MAX_AGE_MS } from "@/lib/http";
import { ChangePasswordForm } from "./change-password-form";

export const metadata: Metadata = { title: "Change your password" };

export default async function ChangePasswordPage() {
  const user = await requirePageUser({ returnTo: "/account/password" });
  const recentlyConfirmed = Date.now() - user.authAt <= STEP_UP_MAX_AGE_MS;
  return (
    <PublicPage>
      <div className="mx-auto max-w-md px-4 py-16 sm:px-6">
        <p className="text-sm">
          <Link href="/account" className="font-semibold text-indigo-700 underline underline-offset-4">
            Your account
          </Link>
        </p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight">Change your password</h1>
        <p className="mt-4 text-slate-700">
          Changing it signs you out on every other device, and we email you a notice. You stay signed in here.
        </p>
        {recentlyConfirmed ? (
          <p className="mt-2 text-sm text-slate-600">
            You confirmed it's you a few minutes ago, so your current password isn't needed.
          </p>
        ) : null}
        <ChangePasswordForm
          email={user.email}
          askCurrent={!recentlyConfirmed}
          passwordHint={describePasswordRules()}
        />
      </div>
    </PublicPage>
  );
}
