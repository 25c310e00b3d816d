"use client";

import Link from "next/link";
import { useActionState } from "react";
import { FormMessage } from "@/components/form-message";
import { StepUpLink } from "@/components/step-up-link";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import type { ActionState } from "@/lib/http";
import { changePasswordAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

/** `askCurrent`: the session has no re-authentication from the last 10 minutes. */
export function ChangePasswordForm({
  email,
  askCurrent,
  passwordHint,
}: {
  email: string;
  askCurrent: boolean;
  passwordHint: string;
}) {
  const [state, formAction, pending] = useActionState(changePasswordAction, IDLE);
  const fields = state.status === "error" ? state.fields : undefined;
  // The server asks for the current password when the step-up ran out while the page was open.
  const showCurrent = askCurrent || fields?.currentPassword !== undefined;
  return (
    <form action={formAction} className="mt-8 space-y-5" noValidate>
      {/* Tells password managers which account the new password belongs to; not submitted. */}
      <input type="email" autoComplete="username" value={email} readOnly hidden />
      {showCurrent ? (
        <div>
          <TextField
            name="currentPassword"
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
            errors={fields?.currentPassword}
          />
          <p className="mt-2 text-sm">
            <Link
              href="/forgot-password"
              className="font-semibold text-indigo-700 underline underline-offset-4"
            >
              Forgot your password?
            </Link>
          </p>
        </div>
      ) : null}
      <TextField
        name="newPassword"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        hint={passwordHint}
        errors={fields?.newPassword}
      />
      <FormMessage state={state} />
      {state.status === "error" && state.code === "step_up_required" ? (
        <p className="text-sm">
          <StepUpLink returnTo="/account/password" />
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : "Change password"}
      </Button>
    </form>
  );
}
