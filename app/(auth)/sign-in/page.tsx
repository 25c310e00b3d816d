import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { PublicPage } from "@/components/public-page";
import { enabledOAuthProviders, getCurrentUser, safeReturnPath } from "@/lib/auth";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

/**
 * Why a sign-in through GitHub or Google came back here (next-auth's `error` parameter, and the
 * refusals of lib/auth's OAuth linking), in words a person can act on.
 */
const OAUTH_ERRORS: Record<string, string> = {
  OAuthEmailUnverified:
    "That account has no verified email address we can use. Verify your email with the provider (for GitHub, your primary address), then try again.",
  OAuthRefused:
    "This account can't sign in right now. If it was locked after failed sign-ins, try again later.",
};
const OAUTH_FAILED = "Signing in with that provider didn't work. Try again, or use your email and password.";

/** What the flows that end by sending the person here (`?notice=`) tell them. */
const NOTICES: Record<string, string> = {
  verified: "Your email address is verified. Sign in to continue.",
  "password-reset":
    "Your password is changed and every session was signed out. Sign in with the new password.",
};

const linkClass = "font-semibold text-indigo-700 underline underline-offset-4";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[]; notice?: string }>;
}) {
  const { callbackUrl, error, notice } = await searchParams;
  const returnTo = safeReturnPath(callbackUrl);
  const user = await getCurrentUser();
  if (user) redirect(user.mfa === "pending" ? "/sign-in/mfa" : returnTo);
  const errorCode = typeof error === "string" ? error : undefined;
  // next-auth's own codes ("OAuthCallback", "AccessDenied"…) all mean the same to a person.
  const oauthError = errorCode ? (OAUTH_ERRORS[errorCode] ?? OAUTH_FAILED) : undefined;
  const message = notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice] : undefined;
  return (
    <PublicPage>
      <div className="mx-auto max-w-sm px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Sign in</h1>
        {message ? (
          <p role="status" className="mt-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
            {message}
          </p>
        ) : null}
        <SignInForm
          callbackUrl={returnTo}
          providers={enabledOAuthProviders()}
          initialError={oauthError}
        />
        <p className="mt-4 text-sm">
          <Link href="/forgot-password" className={linkClass}>
            Forgot your password?
          </Link>
        </p>
        <p className="mt-2 text-sm text-slate-600">
          No account yet?{" "}
          <Link href="/sign-up" className={linkClass}>
            Create one
          </Link>
        </p>
      </div>
    </PublicPage>
  );
}
