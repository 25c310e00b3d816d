"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/form-message";
import { Button } from "@/components/ui/button";
import type { ActionState } from "@/lib/http";
import { resendVerificationAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

/** "Send the link again": the answer is the same whatever happened on the server. */
export function ResendForm() {
  const [state, formAction, pending] = useActionState(resendVerificationAction, IDLE);
  return (
    <form action={formAction} className="mt-6 space-y-4">
      <FormMessage state={state} />
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Sending…" : "Send the link again"}
      </Button>
    </form>
  );
}
