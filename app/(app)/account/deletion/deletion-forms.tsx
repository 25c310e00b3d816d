"use client";

import { useActionState } from "react";
import { StepUpLink } from "@/components/step-up-link";
import { Button } from "@/components/ui/button";
import type { ActionState } from "@/lib/http";
import { cancelAccountDeletionAction, requestAccountDeletionAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

function FormError({ state }: { state: ActionState }) {
  if (state.status !== "error") return null;
  return (
    <div role="alert" className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
      <p>{state.message}</p>
      {state.code === "step_up_required" ? (
        <p className="mt-1">
          <StepUpLink returnTo="/account/deletion" />, then come back to this page.
        </p>
      ) : null}
    </div>
  );
}

export function RequestDeletionForm({ disabled }: { disabled: boolean }) {
  const [state, formAction, pending] = useActionState(requestAccountDeletionAction, IDLE);
  const fieldError = state.status === "error" ? state.fields?.confirmation?.[0] : undefined;
  return (
    <form action={formAction} className="mt-6 space-y-4">
      <div>
        <label htmlFor="confirmation" className="block text-sm font-medium text-slate-800">
          Type <strong>delete my account</strong> to confirm
        </label>
        <input
          id="confirmation"
          name="confirmation"
          type="text"
          autoComplete="off"
          required
          disabled={disabled}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? "confirmation-error" : undefined}
          className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-slate-900 shadow-sm focus-visible:border-indigo-600 disabled:bg-slate-100"
        />
        {fieldError ? (
          <p id="confirmation-error" className="mt-1 text-sm text-red-700">
            {fieldError}
          </p>
        ) : null}
      </div>
      <Button type="submit" disabled={pending || disabled} className="bg-red-700 hover:bg-red-800">
        {pending ? "Scheduling…" : "Delete my account"}
      </Button>
      {fieldError ? null : <FormError state={state} />}
    </form>
  );
}

export function CancelDeletionForm() {
  const [state, formAction, pending] = useActionState(cancelAccountDeletionAction, IDLE);
  return (
    <form action={formAction} className="mt-6">
      <Button type="submit" disabled={pending}>
        {pending ? "Cancelling…" : "Cancel the deletion and keep my account"}
      </Button>
      <FormError state={state} />
    </form>
  );
}
