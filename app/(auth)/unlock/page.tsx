import type { Metadata } from "next";
import Link from "next/link";
import { HoneypotField } from "@/components/honeypot-field";
import { PublicPage } from "@/components/public-page";
import { Button } from "@/components/ui/button";
import { unlockAccountAction } from "./actions";

export const metadata: Metadata = { title: "Unlock your account" };

/**
 * Opened from the lockout email. The link only shows this page; the unlock happens when the person
 * presses the button (a POST), because mail scanners open links on their own and must not spend it.
 */
export default async function UnlockPage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string; done?: string }>;
}) {
  const { token, done } = await searchParams;
  return (
    <PublicPage>
      <div className="mx-auto max-w-md px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Unlock your account</h1>
        {done === "1" ? (
          <p role="status" className="mt-4 text-slate-700">
            Your account is unlocked. This browser can sign in to it even if someone locks it again.{" "}
            <Link href="/sign-in" className="font-semibold text-indigo-700 underline underline-offset-4">
              Sign in
            </Link>
            .
          </p>
        ) : done === "0" || !token ? (
          <p role="alert" className="mt-4 text-slate-700">
            This unlock link is invalid, already used or expired. The lock also ends by itself after 15
            minutes.
          </p>
        ) : (
          <form action={unlockAccountAction} className="relative mt-6">
            <p className="text-slate-700">
              Too many failed sign-ins locked your account. If they were yours, unlock it.
            </p>
            <input type="hidden" name="token" value={token} />
            <HoneypotField />
            <Button type="submit" className="mt-6">
              Unlock my account
            </Button>
          </form>
        )}
      </div>
    </PublicPage>
  );
}
