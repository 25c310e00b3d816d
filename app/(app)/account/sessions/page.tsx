import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { currentSession, lastSignIn, SESSION_CHECK_CACHE_MS } from "@/lib/auth";
import { requirePageUser } from "@/lib/http";
import { SignOutEverywhereForm, SignOutOthersForm } from "./sign-out-forms";

export const metadata: Metadata = { title: "Where you're signed in" };

const when = (time: Date | number) =>
  `${new Date(time).toLocaleString("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" })} UTC`;

/**
 * Sessions are signed, encrypted cookies (JWTs), not rows in a table, so there is no list of
 * devices to show. What can be shown: when this device signed in, the account's last sign-in, and
 * the one switch that ends every session at once (the sessionVersion every request checks).
 */
export default async function SessionsPage() {
  const user = await requirePageUser({ returnTo: "/account/sessions" });
  const [session, lastSignInAt] = await Promise.all([currentSession(), lastSignIn(user.id)]);
  return (
    <PublicPage>
      <div className="mx-auto max-w-2xl px-4 py-16 sm:px-6">
        <p className="text-sm">
          <Link
            href="/account"
            className="rounded-sm font-semibold text-indigo-700 underline underline-offset-4"
          >
            Your account
          </Link>
        </p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight">Where you're signed in</h1>
        <p className="mt-4 text-slate-700">
          Each browser or device you sign in on keeps its own session in a secure cookie. We don't keep a list
          of them, so we can't show each one, but you can end all of them at once.
        </p>
        <dl className="mt-6 grid gap-x-6 gap-y-2 rounded-lg border border-slate-200 p-5 sm:grid-cols-[auto_1fr]">
          <dt className="font-medium text-slate-800">This device signed in</dt>
          <dd className="text-slate-700">{session ? when(session.signedInAt) : "—"}</dd>
          <dt className="font-medium text-slate-800">Most recent sign-in on any device</dt>
          <dd className="text-slate-700">{lastSignInAt ? when(lastSignInAt) : "—"}</dd>
        </dl>
        <p className="mt-4 text-sm text-slate-600">
          "This device" means this browser: another browser on the same computer has its own session. If a
          sign-in time above surprises you, sign out everywhere and change your password.
        </p>

        <section aria-labelledby="others" className="mt-10">
          <h2 id="others" className="text-xl font-semibold">
            Sign out your other devices
          </h2>
          <p className="mt-2 text-slate-700">
            Ends every session except this one, for example a computer you forgot to sign out of.
          </p>
          <div className="mt-4">
            <SignOutOthersForm />
          </div>
        </section>
        <section aria-labelledby="everywhere" className="mt-10">
          <h2 id="everywhere" className="text-xl font-semibold">
            Sign out of all devices
          </h2>
          <p className="mt-2 text-slate-700">
            Ends every session, this one included; you'll sign in again here. Other devices are signed out on
            their next page load (within {Math.round(SESSION_CHECK_CACHE_MS / 1000)} seconds).
          </p>
          <div className="mt-4">
            <SignOutEverywhereForm />
          </div>
        </section>
      </div>
    </PublicPage>
  );
}
