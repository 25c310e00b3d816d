import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { SignOutButton } from "@/app/(app)/account/sign-out-button";
import { HoneypotField } from "@/components/honeypot-field";
import { PublicPage } from "@/components/public-page";
import { Button } from "@/components/ui/button";
import { getCurrentUser } from "@/lib/auth";
import { requirePageUser } from "@/lib/http";
import { verifyEmailAction } from "./actions";
import { ResendForm } from "./resend-form";

export const metadata: Metadata = { title: "Verify your email address" };

const linkClass = "font-semibold text-indigo-700 underline underline-offset-4";

/**
 * Three uses: the link from the verification email lands here with `?token=` and shows a button
 * (the verification is a POST, because mail scanners open links on their own and must not spend
 * them); a spent or unknown link (`?done=0`) explains itself; and a signed-in user whose address is
 * not verified yet is sent here by the page gate, to check their inbox or ask for a new link.
 */
export default async function VerifyEmailPage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string; done?: string }>;
}) {
  const { token, done } = await searchParams;

  if (token) {
    return (
      <Frame>
        <form action={verifyEmailAction} className="relative mt-6">
          <p className="text-slate-700">
            Confirm that this email address is yours to finish setting up your account.
          </p>
          <input type="hidden" name="token" value={token} />
          <HoneypotField />
          <Button type="submit" className="mt-6">
            Verify my email address
          </Button>
        </form>
      </Frame>
    );
  }

  if (done === "0") {
    const user = await getCurrentUser();
    return (
      <Frame>
        <p role="alert" className="mt-4 text-slate-700">
          This verification link is invalid, already used or expired.{" "}
          {user && !user.emailVerified ? "Ask for a new one below." : null}
        </p>
        {user && !user.emailVerified ? (
          <ResendForm />
        ) : (
          <p className="mt-4 text-slate-700">
            <Link href="/sign-in" className={linkClass}>
              Sign in
            </Link>{" "}
            to ask for a new link, or to use your account if it is already verified.
          </p>
        )}
      </Frame>
    );
  }

  const user = await requirePageUser({ allow: ["unverified"], returnTo: "/verify-email" });
  if (user.emailVerified) redirect("/account");
  return (
    <Frame>
      <p className="mt-4 text-slate-700">
        We sent a link to <strong>{user.email}</strong>. Open it to verify your address; your account is ready
        as soon as you do. It can take a minute to arrive, so check your spam folder too.
      </p>
      <ResendForm />
      <SignOutButton />
    </Frame>
  );
}

function Frame({ children }: { children: ReactNode }) {
  return (
    <PublicPage>
      <div className="mx-auto max-w-md px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Verify your email address</h1>
        {children}
      </div>
    </PublicPage>
  );
}
