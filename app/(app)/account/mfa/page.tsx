import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { StepUpLink } from "@/components/step-up-link";
import { hasRecentAuthentication, mfaStatus, pendingEnrolment } from "@/lib/auth";
import { requirePageUser } from "@/lib/http";
import { MfaPanel } from "./mfa-panel";

export const metadata: Metadata = { title: "Two-factor authentication" };

/** `required` is an organization's slug (from the page gate) or "admin"; anything else is ignored. */
const REQUIRED = /^[a-z0-9][a-z0-9-]{0,63}$/;

type SearchParams = { required?: string | string[]; codesLeft?: string | string[] };

/**
 * MFA settings, and the enrolment walkthrough the page gate sends people to when an organization
 * requires MFA (`?required=<org>`) or they are a platform admin (`?required=admin`).
 */
export default async function MfaPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const required =
    typeof params.required === "string" && REQUIRED.test(params.required) ? params.required : undefined;
  const returnTo = required ? `/account/mfa?required=${required}` : "/account/mfa";
  const user = await requirePageUser({ returnTo });
  const status = await mfaStatus(user.id);
  // The set-up key is shown only to a session that proved who it is within the step-up window, as
  // starting and confirming enrolment require (lib/auth/reauthentication.ts).
  const keyNeedsStepUp = status.enrolmentStarted && !hasRecentAuthentication(user.authAt);
  const pending = status.enrolmentStarted && !keyNeedsStepUp ? await pendingEnrolment(user.id, user) : null;
  const codesLeft = typeof params.codesLeft === "string" ? Number.parseInt(params.codesLeft, 10) : Number.NaN;
  const continueTo = required === "admin" ? "/admin" : required ? `/${required}` : null;

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
        <h1 className="mt-2 text-3xl font-bold tracking-tight">Two-factor authentication</h1>
        {required && !status.enabled ? (
          <div
            role="status"
            className="mt-6 rounded-md border border-indigo-200 bg-indigo-50 p-4 text-slate-800"
          >
            <p className="font-semibold">Two-factor authentication is required to continue.</p>
            <p className="mt-1">
              {required === "admin"
                ? "Platform administrators must use two-factor authentication before they can open the admin area."
                : `The organization "${required}" requires every member to use two-factor authentication.`}{" "}
              Set it up below; it takes about a minute. You'll be able to continue right after.
            </p>
          </div>
        ) : null}
        {required && status.enabled && continueTo ? (
          <p role="status" className="mt-6 rounded-md bg-emerald-50 px-3 py-2 text-emerald-900">
            You're all set.{" "}
            <Link href={continueTo} className="font-semibold underline underline-offset-4">
              {required === "admin" ? "Continue to the admin area" : `Continue to ${required}`}
            </Link>
          </p>
        ) : null}
        {Number.isInteger(codesLeft) && codesLeft >= 0 && status.enabled ? (
          <p
            role="status"
            className={`mt-6 rounded-md px-3 py-2 ${codesLeft <= 3 ? "bg-amber-50 text-amber-900" : "bg-slate-100 text-slate-800"}`}
          >
            You signed in with a recovery code. It can't be used again: you have {codesLeft} left.
            {codesLeft <= 3 ? " Get new codes below before you run out." : null}
          </p>
        ) : null}
        {keyNeedsStepUp ? (
          <p role="status" className="mt-6 rounded-md bg-amber-50 px-3 py-2 text-amber-900">
            Your set-up is waiting for its first code. Confirm it's you to see the set-up key again:{" "}
            <StepUpLink returnTo={returnTo} />
          </p>
        ) : null}
        <MfaPanel
          enabled={status.enabled}
          enabledSince={
            status.enabledAt
              ? status.enabledAt.toLocaleDateString("en-GB", { dateStyle: "long", timeZone: "UTC" })
              : null
          }
          recoveryCodesLeft={status.recoveryCodesLeft}
          pending={pending}
          required={required}
        />
      </div>
    </PublicPage>
  );
}
