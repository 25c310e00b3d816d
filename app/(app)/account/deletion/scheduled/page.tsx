import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";

export const metadata: Metadata = { title: "Account deletion scheduled" };

const day = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });

/** Shown after a deletion request, which signed the person out: public, it only echoes the date. */
export default async function DeletionScheduledPage({
  searchParams,
}: {
  searchParams: Promise<{ on?: string }>;
}) {
  const { on } = await searchParams;
  const date = on && /^\d{4}-\d{2}-\d{2}$/.test(on) ? new Date(`${on}T00:00:00Z`) : null;
  const valid = date !== null && !Number.isNaN(date.getTime());
  return (
    <PublicPage>
      <div className="mx-auto max-w-xl px-4 py-16 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Your account will be deleted</h1>
        <p role="status" className="mt-4 text-slate-700">
          {valid ? (
            <>
              Your account is scheduled for deletion on <strong>{day.format(date)}</strong>.{" "}
            </>
          ) : (
            "Your account is scheduled for deletion. "
          )}
          You have been signed out everywhere, and we sent you an email about it.
        </p>
        <p className="mt-4 text-slate-700">
          Changed your mind?{" "}
          <Link href="/sign-in" className="font-semibold text-indigo-700 underline underline-offset-4">
            Sign in
          </Link>{" "}
          before then and cancel the deletion.
        </p>
      </div>
    </PublicPage>
  );
}
