"use client";

import Link from "next/link";
import { useActionState, useState } from "react";
import { FormMessage } from "@/components/form-message";
import { HoneypotField } from "@/components/honeypot-field";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import type { ActionState } from "@/lib/http";
import { requestPasswordResetAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

export function ForgotPasswordForm() {
  const [state, formAction, pending] = useActionState(requestPasswordResetAction, IDLE);
  const [email, setEmail] = useState("");
  const fields = state.status === "error" ? state.fields : undefined;
  return (
    <form action={formAction} className="relative mt-8 space-y-5" noValidate>
      <TextField
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        errors={fields?.email}
      />
      <HoneypotField />
      <FormMessage state={state} />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Sending…" : "Email me a reset link"}
      </Button>
      <p className="text-center text-sm text-slate-600">
        Remembered it?{" "}
        <Link href="/sign-in" className="font-semibold text-indigo-700 underline underline-offset-4">
          Sign in
        </Link>
      </p>
    </form>
  );
}
