"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/http";
import { manageUserAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

type Props = { userId: string; disabled: boolean; isSelf: boolean; emailVerified: boolean };

const secondary =
  "inline-flex items-center rounded-md bg-white px-4 py-2 text-sm font-semibold text-slate-900 ring-1 ring-slate-300 ring-inset hover:bg-slate-50 disabled:opacity-60";
const danger =
  "inline-flex items-center rounded-md bg-red-700 px-4 py-2 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-60";

/** The admin's buttons for one account; the outcome of the last one pressed shows below them. */
export function UserActions({ userId, disabled, isSelf, emailVerified }: Props) {
  const [state, formAction, pending] = useActionState(manageUserAction, IDLE);
  return (
    <form action={formAction}>
      <input type="hidden" name="userId" value={userId} />
      <ul className="flex flex-wrap gap-6">
        <li className="max-w-xs">
          {disabled ? (
            <>
              <button type="submit" name="intent" value="enable" disabled={pending} className={secondary}>
                Enable account
              </button>
              <p className="mt-1 text-xs text-slate-500">The user can sign in again.</p>
            </>
          ) : isSelf ? (
            <p className="text-sm text-slate-600">You can't disable your own account.</p>
          ) : (
            <>
              <button type="submit" name="intent" value="disable" disabled={pending} className={danger}>
                Disable account
              </button>
              <p className="mt-1 text-xs text-slate-500">
                Ends every session and stops sign-in until enabled.
              </p>
            </>
          )}
        </li>
        <li className="max-w-xs">
          <button type="submit" name="intent" value="sign_out" disabled={pending} className={secondary}>
            Sign out everywhere
          </button>
          <p className="mt-1 text-xs text-slate-500">Ends every session; the user can sign in again.</p>
        </li>
        {emailVerified ? null : (
          <li className="max-w-xs">
            <button
              type="submit"
              name="intent"
              value="resend_verification"
              disabled={pending}
              className={secondary}
            >
              Resend verification email
            </button>
            <p className="mt-1 text-xs text-slate-500">
              Sends a new link to the account's address; older links stop working.
            </p>
          </li>
        )}
      </ul>
      {state.status === "ok" && state.message ? (
        <p role="status" className="mt-3 text-sm text-green-800">
          {state.message}
        </p>
      ) : null}
      {state.status === "error" ? (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
