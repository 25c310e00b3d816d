"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import { StepUpLink } from "@/components/step-up-link";
import { Button } from "@/components/ui/button";
import type { ActionState } from "@/lib/http";

type BillingAction = (previous: ActionState, form: FormData) => Promise<ActionState>;

/**
 * One button that posts to a billing action (checkout or portal), which redirects to Stripe. A
 * refusal (say, the plan is already running) is shown inside the form, in the action's words. Both
 * actions need a recent re-authentication: when it's too old, the refusal links to the step-up page,
 * which sends the person back to `returnTo`.
 */
export function BillingButton({
  action,
  fields,
  label,
  pendingLabel,
  returnTo,
  variant = "primary",
}: {
  action: BillingAction;
  fields: Record<string, string>;
  label: string;
  pendingLabel: string;
  /** The billing page's path on this site. */
  returnTo: string;
  variant?: "primary" | "secondary";
}) {
  const [state, formAction] = useActionState(action, { status: "idle" });
  return (
    <form action={formAction} className="space-y-3">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton label={label} pendingLabel={pendingLabel} variant={variant} />
      {state.status === "error" ? (
        <div role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          <p>{state.message}</p>
          {state.code === "step_up_required" ? (
            <p className="mt-1">
              <StepUpLink returnTo={returnTo} />, then try again.
            </p>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

function SubmitButton({
  label,
  pendingLabel,
  variant,
}: {
  label: string;
  pendingLabel: string;
  variant: "primary" | "secondary";
}) {
  const { pending } = useFormStatus();
  return (
    <Button type="submit" variant={variant} disabled={pending} className="w-full">
      {pending ? pendingLabel : label}
    </Button>
  );
}
