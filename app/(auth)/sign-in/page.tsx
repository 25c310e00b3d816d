import type { Metadata } from "next";
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

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[] }>;
}) {
  const { callbackUrl, error } = await searchParams;
  const returnTo = safeReturnPath(callbackUrl);
  const user = await getCurrentUser();
  if (user) redirect(user.mfa === "pending" ? "/sign-in/mfa" : returnTo);
  const errorCode = typeof error === "string" ? error : undefined;
  // next-auth's own codes ("OAuthCallback", "AccessDenied"…) all mean the same to a person.
  const oauthError = errorCode ? (OAUTH_ERRORS[errorCode] ?? OAUTH_FAILED) : undefined;
  return (
    <PublicPage>
      <div className="mx-auto max-w-sm px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Sign in</h1>
        <SignInForm callbackUrl={returnTo} providers={enabledOAuthProviders()} initialError={oauthError} />
      </div>
    </PublicPage>
  );
}
