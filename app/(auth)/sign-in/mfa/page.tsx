import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { PublicPage } from "@/components/public-page";
import { requirePageUser } from "@/lib/http";
import { ChallengeForm } from "./challenge-form";
import { SignOutButton } from "./sign-out-button";

export const metadata: Metadata = { title: "Two-factor authentication" };

/**
 * The second step of signing in when MFA is on (password and OAuth alike). The only page a pending
 * session may see; the page gate sends it here from everywhere else.
 */
export default async function MfaChallengePage() {
  const user = await requirePageUser({ allow: ["mfaPending", "unverified", "deletionPending"] });
  if (user.mfa !== "pending") redirect("/account");
  return (
    <PublicPage>
      <div className="mx-auto max-w-sm px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Two-factor authentication</h1>
        <p className="mt-4 text-slate-700">
          One more step: enter the code your authenticator app shows now to finish signing in.
        </p>
        <ChallengeForm />
        <p className="mt-8 text-sm text-slate-600">
          Not you, or want to start over? <SignOutButton />
        </p>
      </div>
    </PublicPage>
  );
}
