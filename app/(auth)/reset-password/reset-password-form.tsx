"use client";

import Link from "next/link";
import { useActionState } from "react";
import { FormMessage } from "@/components/form-message";
import { HoneypotField } from "@/components/honeypot-field";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import type { ActionState } from "@/lib/http";
import { resetPasswordAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

export function ResetPasswordForm({ token, passwordHint }: { token: string; passwordHint: string }) {
  const [state, formAction, pending] = useActionState(resetPasswordAction, IDLE);
  const fields = state.status === "error" ? state.fields : undefined;
  const linkDead = state.status === "error" && state.code === "invalid_link";
  return (
    <form action={formAction} className="relative mt-8 space-y-5" noValidate>
      <input type="hidden" name="token" value={token} />
      <TextField
        name="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        hint={passwordHint}
        errors={fields?.password}
      />
      <HoneypotField />
      <FormMessage state={state} />
      {linkDead ? (
        <p className="text-sm">
          <Link
            href="/forgot-password"
            className="font-semibold text-indigo-700 underline underline-offset-4"
          >
            Ask for a new link
          </Link>
        </p>
      ) : null}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Saving…" : "Set new password"}
      </Button>
    </form>
  );
}
