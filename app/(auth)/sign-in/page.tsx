import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { PublicPage } from "@/components/public-page";
import { getCurrentUser } from "@/lib/auth";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

/** What the flows that end by sending the person here (`?notice=`) tell them. */
const NOTICES: Record<string, string> = {
  verified: "Your email address is verified. Sign in to continue.",
  "password-reset":
    "Your password is changed and every session was signed out. Sign in with the new password.",
  "password-changed":
    "Your password is changed and every session was signed out. Sign in with the new password.",
};

const linkClass = "font-semibold text-indigo-700 underline underline-offset-4";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ notice?: string }> }) {
  if (await getCurrentUser()) redirect("/account");
  const { notice } = await searchParams;
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
        <SignInForm />
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
