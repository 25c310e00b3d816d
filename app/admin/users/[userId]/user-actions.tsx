"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/http";
import { disableUserAction, enableUserAction, forceSignOutAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

type Props = { userId: string; disabled: boolean; isSelf: boolean };

/** The admin's buttons for one account, each a form that reports its outcome next to it. */
export function UserActions({ userId, disabled, isSelf }: Props) {
  return (
    <div className="flex flex-wrap gap-6">
      {disabled ? (
        <ActionForm
          userId={userId}
          run={enableUserAction}
          label="Enable account"
          help="The user can sign in again."
        />
      ) : isSelf ? (
        <p className="text-sm text-slate-600">You can't disable your own account.</p>
      ) : (
        <ActionForm
          userId={userId}
          run={disableUserAction}
          label="Disable account"
          help="Ends every session and stops sign-in until enabled."
          danger
        />
      )}
      <ActionForm
        userId={userId}
        run={forceSignOutAction}
        label="Sign out everywhere"
        help="Ends every session; the user can sign in again."
      />
    </div>
  );
}

function ActionForm({
  userId,
  run,
  label,
  help,
  danger = false,
}: {
  userId: string;
  run: (previous: ActionState, form: FormData) => Promise<ActionState>;
  label: string;
  help: string;
  danger?: boolean;
}) {
  const [state, formAction, pending] = useActionState(run, IDLE);
  return (
    <form action={formAction} className="max-w-xs">
      <input type="hidden" name="userId" value={userId} />
      <button
        type="submit"
        disabled={pending}
        className={`inline-flex items-center rounded-md px-4 py-2 text-sm font-semibold disabled:opacity-60 ${
          danger
            ? "bg-red-700 text-white hover:bg-red-800"
            : "bg-white text-slate-900 ring-1 ring-slate-300 ring-inset hover:bg-slate-50"
        }`}
      >
        {pending ? "Working…" : label}
      </button>
      <p className="mt-1 text-xs text-slate-500">{help}</p>
      {state.status === "ok" && state.message ? (
        <p role="status" className="mt-2 text-sm text-green-800">
          {state.message}
        </p>
      ) : null}
      {state.status === "error" ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
