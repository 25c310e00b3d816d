"use client";

import Link from "next/link";
import { useActionState, useState } from "react";
import { FormMessage } from "@/components/form-message";
import { HoneypotField } from "@/components/honeypot-field";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import type { ActionState } from "@/lib/http";
import { signUpAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

/**
 * Email, optional name, password. The answer is the same whether or not the address has an account;
 * the form then shows where the email went. Paste is allowed everywhere (NIST SP 800-63B): password
 * managers paste.
 */
export function SignUpForm({ passwordHint }: { passwordHint: string }) {
  const [state, formAction, pending] = useActionState(signUpAction, IDLE);
  // Controlled, so a refused submission keeps what was typed (React resets uncontrolled fields).
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const fields = state.status === "error" ? state.fields : undefined;

  if (state.status === "ok") {
    return (
      <div role="status" className="mt-8 rounded-md bg-emerald-50 px-4 py-4 text-emerald-950">
        <p className="font-semibold">{state.message}</p>
        <p className="mt-2 text-sm">
          We sent it to <strong>{email}</strong>. It can take a minute to arrive; check your spam folder too.
          The link works for 24 hours.
        </p>
      </div>
    );
  }

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
      <TextField
        name="name"
        label="Name (optional)"
        autoComplete="name"
        value={name}
        onChange={(event) => setName(event.target.value)}
        errors={fields?.name}
      />
      <TextField
        name="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        hint={passwordHint}
        errors={fields?.password}
      />
      <HoneypotField />
      <FormMessage state={state} />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Creating your account…" : "Create account"}
      </Button>
      <p className="text-center text-sm text-slate-600">
        Already have an account?{" "}
        <Link href="/sign-in" className="font-semibold text-indigo-700 underline underline-offset-4">
          Sign in
        </Link>
      </p>
    </form>
  );
}
