import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { listSessions, SESSION_CHECK_CACHE_MS } from "@/lib/auth";
import { requirePageUser } from "@/lib/http";
import { EndSessionForm, SignOutEverywhereForm, SignOutOthersForm } from "./sign-out-forms";

export const metadata: Metadata = { title: "Where you're signed in" };

const when = (time: Date | number) =>
  `${new Date(time).toLocaleString("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" })} UTC`;

/**
 * Every session of the account that may still be in use (a UserSession row per sign-in, decision
 * 0026): which device, when it signed in, when it was last used, and which one is this browser.
 * Each other session can be signed out on its own, or all of them at once.
 */
export default async function SessionsPage() {
  const user = await requirePageUser({ returnTo: "/account/sessions" });
  const sessions = await listSessions(user.id, user.sessionId);
  const seconds = Math.round(SESSION_CHECK_CACHE_MS / 1000);
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
          Each browser or device you sign in on has its own session. If one below surprises you, sign it out
          and change your password. A session you sign out stops working within {seconds} seconds.
        </p>
        <ul className="mt-6 divide-y divide-slate-200 rounded-lg border border-slate-200">
          {sessions.map((session) => (
            <li key={session.id} className="flex flex-wrap items-start justify-between gap-4 p-5">
              <div>
                <p className="font-medium text-slate-900">
                  {session.device}
                  {session.current ? (
                    <span className="ml-2 rounded-full bg-emerald-50 px-2 py-0.5 text-sm text-emerald-900">
                      This device
                    </span>
                  ) : null}
                </p>
                <p className="mt-1 text-sm text-slate-600">Signed in {when(session.createdAt)}</p>
                <p className="text-sm text-slate-600">Last used {when(session.lastSeenAt)}</p>
              </div>
              {session.current ? null : <EndSessionForm sessionId={session.id} device={session.device} />}
            </li>
          ))}
        </ul>

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
            their next page load (within {seconds} seconds).
          </p>
          <div className="mt-4">
            <SignOutEverywhereForm />
          </div>
        </section>
      </div>
    </PublicPage>
  );
}
