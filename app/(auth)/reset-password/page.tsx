import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { describePasswordRules, isPasswordResetTokenUsable } from "@/lib/auth";
import { ResetPasswordForm } from "./reset-password-form";

export const metadata: Metadata = { title: "Choose a new password" };

/**
 * Opened from the reset email. Opening the link spends nothing (mail scanners open links too): it
 * only checks that the link still works, and the password is set by the form's POST.
 */
export default async function ResetPasswordPage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string }>;
}) {
  const { token } = await searchParams;
  const usable = token ? await isPasswordResetTokenUsable(token) : false;
  return (
    <PublicPage>
      <div className="mx-auto max-w-sm px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Choose a new password</h1>
        {token && usable ? (
          <>
            <p className="mt-4 text-slate-700">
              Everyone signed in to your account is signed out when you save it.
            </p>
            <ResetPasswordForm token={token} passwordHint={describePasswordRules()} />
          </>
        ) : (
          <p role="alert" className="mt-4 text-slate-700">
            This reset link is invalid, already used or expired (links work for 30 minutes).{" "}
            <Link
              href="/forgot-password"
              className="font-semibold text-indigo-700 underline underline-offset-4"
            >
              Ask for a new link
            </Link>
            .
          </p>
        )}
      </div>
    </PublicPage>
  );
}
