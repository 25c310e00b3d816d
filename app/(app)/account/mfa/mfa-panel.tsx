"use client";

import { type ReactNode, useActionState, useState } from "react";
import { StepUpLink } from "@/components/step-up-link";
import { Button } from "@/components/ui/button";
import type { ActionState } from "@/lib/http";
import {
  confirmMfaEnrolmentAction,
  disableMfaAction,
  regenerateRecoveryCodesAction,
  startMfaEnrolmentAction,
} from "./actions";

type CodesState = ActionState<{ recoveryCodes: string[] }>;
const idle: ActionState = { status: "idle" };
const noCodes: CodesState = { status: "idle" };
const inputClass =
  "mt-1 block w-full max-w-xs rounded-md border border-slate-300 px-3 py-2 font-mono text-lg tracking-widest text-slate-900 shadow-sm focus-visible:border-indigo-600";

type Props = {
  enabled: boolean;
  /** Already formatted for people. */
  enabledSince: string | null;
  recoveryCodesLeft: number;
  /** A started enrolment: the secret and its QR code. */
  pending: { secret: string; qrCodeDataUrl: string; otpauthUri: string } | null;
  /** Why enrolment is required (an organization's slug or "admin"), kept through "Start". */
  required?: string;
};

function recoveryCodesOf(state: CodesState): string[] | null {
  return state.status === "ok" ? (state.data?.recoveryCodes ?? null) : null;
}

/**
 * The MFA settings as one client component, so the recovery codes returned by an action stay on
 * screen when the page re-renders around them (enrolment changes the session cookie, which makes
 * Next.js refresh the page). They are shown this once and never again.
 */
export function MfaPanel({ enabled, enabledSince, recoveryCodesLeft, pending, required }: Props) {
  const [startState, startAction, starting] = useActionState(startMfaEnrolmentAction, idle);
  const [confirmState, confirmAction, confirming] = useActionState(confirmMfaEnrolmentAction, noCodes);
  const [regenerateState, regenerateAction, regenerating] = useActionState(
    regenerateRecoveryCodesAction,
    noCodes,
  );
  const [disableState, disableAction, disabling] = useActionState(disableMfaAction, idle);
  const [savedCodes, setSavedCodes] = useState<string[] | null>(null);
  // Back here after a step-up, still in the walkthrough an organization or the admin area asked for.
  const returnTo = required ? `/account/mfa?required=${encodeURIComponent(required)}` : "/account/mfa";

  const codes = recoveryCodesOf(regenerateState) ?? recoveryCodesOf(confirmState);
  if (codes && codes !== savedCodes) {
    return <RecoveryCodes codes={codes} onSaved={() => setSavedCodes(codes)} />;
  }

  if (!enabled) {
    return (
      <section aria-labelledby="mfa-setup" className="mt-8">
        {disableState.status === "ok" ? <Notice>{disableState.message}</Notice> : null}
        <h2 id="mfa-setup" className="text-xl font-semibold">
          Set up an authenticator app
        </h2>
        {pending ? (
          <ol className="mt-4 list-decimal space-y-6 pl-5 text-slate-700">
            <li>
              Open your authenticator app (1Password, Google Authenticator, Authy, Microsoft Authenticator…)
              and scan this code:
              {/* A data: URL drawn on the server; next/image has nothing to optimise here. */}
              {/* biome-ignore lint/performance/noImgElement: see above */}
              <img
                src={pending.qrCodeDataUrl}
                alt="QR code for your authenticator app"
                width={192}
                height={192}
                className="mt-3 rounded-md border border-slate-200"
              />
            </li>
            <li>
              On this phone?{" "}
              <a
                href={pending.otpauthUri}
                className="font-semibold text-indigo-700 underline underline-offset-4"
              >
                Open it in your authenticator app
              </a>
              .
            </li>
            <li>
              Can't scan it? Enter this setup key in the app instead:
              <dl className="mt-2">
                <dt className="sr-only">Setup key</dt>
                <dd>
                  <code className="block break-all rounded-md bg-slate-100 px-3 py-2 font-mono text-sm tracking-wider text-slate-900">
                    {pending.secret.match(/.{1,4}/g)?.join(" ")}
                  </code>
                </dd>
              </dl>
            </li>
            <li>
              Enter the 6-digit code the app shows to finish:
              <form action={confirmAction} className="mt-2 space-y-3" noValidate>
                <label htmlFor="enrol-code" className="block text-sm font-medium text-slate-800">
                  Code from the app
                </label>
                <input
                  id="enrol-code"
                  name="code"
                  type="text"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  required
                  className={inputClass}
                />
                <ErrorMessage state={confirmState} field="code" returnTo={returnTo} />
                <Button type="submit" disabled={confirming}>
                  {confirming ? "Checking…" : "Turn on two-factor authentication"}
                </Button>
              </form>
            </li>
          </ol>
        ) : (
          <p className="mt-2 text-slate-700">
            After your password, signing in will ask for a code from an app on your phone, so a stolen
            password alone isn't enough to get into your account.
          </p>
        )}
        <form action={startAction} className="mt-6">
          {required ? <input type="hidden" name="required" value={required} /> : null}
          <ErrorMessage state={startState} returnTo={returnTo} />
          <Button type="submit" variant={pending ? "secondary" : "primary"} disabled={starting}>
            {pending ? "Start over with a new key" : "Set up two-factor authentication"}
          </Button>
        </form>
      </section>
    );
  }

  return (
    <>
      <section aria-labelledby="mfa-on" className="mt-8">
        <h2 id="mfa-on" className="text-xl font-semibold">
          Two-factor authentication is on
        </h2>
        <p className="mt-2 text-slate-700">
          {enabledSince ? `Turned on ${enabledSince}. ` : null}Signing in asks for a code from your
          authenticator app.
        </p>
      </section>
      <section aria-labelledby="recovery-codes" className="mt-8">
        <h2 id="recovery-codes" className="text-xl font-semibold">
          Recovery codes
        </h2>
        <p className="mt-2 text-slate-700">
          {recoveryCodesLeft === 1
            ? "1 unused recovery code is left."
            : `${recoveryCodesLeft} unused recovery codes are left.`}{" "}
          Each one signs you in once if you lose your phone. New codes replace all the old ones.
        </p>
        <form action={regenerateAction} className="mt-4">
          <ErrorMessage state={regenerateState} returnTo={returnTo} />
          <Button type="submit" variant="secondary" disabled={regenerating}>
            {regenerating ? "Making new codes…" : "Get new recovery codes"}
          </Button>
        </form>
      </section>
      <section aria-labelledby="mfa-off" className="mt-8">
        <h2 id="mfa-off" className="text-xl font-semibold">
          Turn off two-factor authentication
        </h2>
        <p className="mt-2 text-slate-700">
          Your account will be protected by your password only. Your other devices will be signed out.
        </p>
        <form action={disableAction} className="mt-4">
          <ErrorMessage state={disableState} returnTo={returnTo} />
          <Button type="submit" variant="secondary" disabled={disabling}>
            {disabling ? "Turning off…" : "Turn off two-factor authentication"}
          </Button>
        </form>
      </section>
    </>
  );
}

function RecoveryCodes({ codes, onSaved }: { codes: string[]; onSaved: () => void }) {
  return (
    <section aria-labelledby="new-codes" className="mt-8 rounded-lg border border-amber-300 bg-amber-50 p-5">
      <h2 id="new-codes" className="text-xl font-semibold">
        Save your recovery codes
      </h2>
      <p className="mt-2 text-slate-800">
        If you lose your phone, each of these codes signs you in once. Keep them somewhere safe, such as your
        password manager. <strong>They won't be shown again.</strong>
      </p>
      <ol
        aria-label="Recovery codes"
        className="mt-4 grid grid-cols-2 gap-2 font-mono text-base text-slate-900"
      >
        {codes.map((code) => (
          <li key={code} className="rounded bg-white px-3 py-1">
            {code}
          </li>
        ))}
      </ol>
      <Button className="mt-5" onClick={onSaved}>
        I've saved my recovery codes
      </Button>
    </section>
  );
}

function Notice({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="mb-6 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
      {children}
    </p>
  );
}

/** An action's error; a missing step-up links to the re-authentication page and back. */
function ErrorMessage({
  state,
  field,
  returnTo,
}: {
  state: ActionState<unknown>;
  field?: string;
  returnTo: string;
}) {
  if (state.status !== "error") return null;
  const message = (field && state.fields?.[field]?.[0]) || state.message;
  return (
    <p role="alert" className="mb-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
      {message}
      {state.code === "step_up_required" ? (
        <>
          {" "}
          <StepUpLink returnTo={returnTo} />
        </>
      ) : null}
    </p>
  );
}
