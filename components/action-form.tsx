"use client";

import { type ReactNode, useActionState } from "react";
import { StepUpLink } from "@/components/step-up-link";
import { Button } from "@/components/ui/button";
import type { ActionState } from "@/lib/http";

type FormAction = (previous: ActionState, form: FormData) => Promise<ActionState>;

const IDLE: ActionState = { status: "idle" };

/**
 * A form for one server action (built with lib/http's action()): its fields come as children
 * (rendered on the server), and it shows the outcome inside the form: the error with its field
 * messages as an alert, or the success message as a status. When the action needs a recent
 * re-authentication, it links to the step-up page and back.
 */
export function ActionForm({
  action,
  children,
  submitLabel,
  pendingLabel,
  variant = "primary",
  danger = false,
  returnTo,
  className,
  inline = false,
}: {
  action: FormAction;
  children?: ReactNode;
  submitLabel: string;
  pendingLabel?: string;
  variant?: "primary" | "secondary";
  /** A destructive action: a red button. */
  danger?: boolean;
  /** Where the step-up page sends the person back to (a path on this site). */
  returnTo?: string;
  className?: string;
  /** Fields and button on one line (small row actions). */
  inline?: boolean;
}) {
  const [state, formAction, pending] = useActionState(action, IDLE);
  const fieldMessages = state.status === "error" ? Object.values(state.fields ?? {}).flat() : [];
  return (
    <form action={formAction} className={className}>
      <div className={inline ? "flex flex-wrap items-end gap-2" : "space-y-4"}>
        {children}
        <Button
          type="submit"
          variant={variant}
          disabled={pending}
          className={danger ? "bg-red-700 text-white hover:bg-red-800" : undefined}
        >
          {pending ? (pendingLabel ?? `${submitLabel}…`) : submitLabel}
        </Button>
      </div>
      {state.status === "error" ? (
        <div role="alert" className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          <p>{state.message}</p>
          {fieldMessages.length > 0 ? (
            <ul className="mt-1 list-disc pl-5">
              {fieldMessages.map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          ) : null}
          {state.code === "step_up_required" && returnTo ? (
            <p className="mt-1">
              <StepUpLink returnTo={returnTo} />, then try again.
            </p>
          ) : null}
        </div>
      ) : null}
      {state.status === "ok" && state.message ? (
        <p role="status" className="mt-3 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
