"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import type { ActionState } from "@/lib/http";
import { verifyMfaCodeAction } from "./actions";

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-lg tracking-widest text-slate-900 shadow-sm focus-visible:border-indigo-600";

/** One field for both kinds of code: 6 digits are tried as TOTP, anything else as a recovery code. */
export function ChallengeForm() {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(verifyMfaCodeAction, {
    status: "idle",
  });
  const error = state.status === "error" ? (state.fields?.code?.[0] ?? state.message) : null;
  return (
    <form action={formAction} className="mt-8 space-y-5" noValidate>
      <div>
        <label htmlFor="code" className="block text-sm font-medium text-slate-800">
          Authentication code
        </label>
        <input
          id="code"
          name="code"
          type="text"
          inputMode="text"
          autoComplete="one-time-code"
          autoCapitalize="none"
          spellCheck={false}
          required
          aria-describedby="code-help"
          aria-invalid={error ? true : undefined}
          className={inputClass}
        />
        <p id="code-help" className="mt-2 text-sm text-slate-600">
          The 6-digit code from your authenticator app, or one of your recovery codes (like
          <span className="font-mono"> abcde-12345</span>) if you don't have your phone.
        </p>
      </div>
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Checking…" : "Verify"}
      </Button>
    </form>
  );
}
