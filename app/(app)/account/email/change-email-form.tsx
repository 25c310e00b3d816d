"use client";

import { useActionState, useState } from "react";
import { FormMessage } from "@/components/form-message";
import { StepUpLink } from "@/components/step-up-link";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import type { ActionState } from "@/lib/http";
import { requestEmailChangeAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

/** `askCurrent`: the session has no re-authentication from the last 10 minutes. */
export function ChangeEmailForm({ askCurrent }: { askCurrent: boolean }) {
  const [state, formAction, pending] = useActionState(requestEmailChangeAction, IDLE);
  const [email, setEmail] = useState("");
  const fields = state.status === "error" ? state.fields : undefined;
  const showCurrent = askCurrent || fields?.currentPassword !== undefined;
  return (
    <form action={formAction} className="mt-8 space-y-5" noValidate>
      <TextField
        name="email"
        label="New email address"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        errors={fields?.email}
      />
      {showCurrent ? (
        <TextField
          name="currentPassword"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          errors={fields?.currentPassword}
        />
      ) : null}
      <FormMessage state={state} />
      {state.status === "error" && state.code === "step_up_required" ? (
        <p className="text-sm">
          <StepUpLink returnTo="/account/email" />
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Sending…" : "Send confirmation link"}
      </Button>
    </form>
  );
}
