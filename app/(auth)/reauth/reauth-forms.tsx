"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { signInWithProvider } from "@/lib/auth/browser";
import type { ActionState } from "@/lib/http";
import { reauthWithCodeAction, reauthWithPasswordAction } from "./actions";

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-slate-900 shadow-sm focus-visible:border-indigo-600";
const idle: ActionState = { status: "idle" };

function errorOf(state: ActionState, field: string): string | null {
  if (state.status !== "error") return null;
  return state.fields?.[field]?.[0] ?? state.message;
}

/** Confirm with the account password. */
export function PasswordForm({ next }: { next: string }) {
  const [state, formAction, pending] = useActionState(reauthWithPasswordAction, idle);
  const error = errorOf(state, "password");
  return (
    <form action={formAction} className="mt-6 space-y-4" noValidate>
      <input type="hidden" name="next" value={next} />
      <div>
        <label htmlFor="password" className="block text-sm font-medium text-slate-800">
          Password
        </label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={error ? true : undefined}
          className={inputClass}
        />
      </div>
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Checking…" : "Confirm with password"}
      </Button>
    </form>
  );
}

/** Confirm with a code from the authenticator app. */
export function CodeForm({ next }: { next: string }) {
  const [state, formAction, pending] = useActionState(reauthWithCodeAction, idle);
  const error = errorOf(state, "code");
  return (
    <form action={formAction} className="mt-6 space-y-4" noValidate>
      <input type="hidden" name="next" value={next} />
      <div>
        <label htmlFor="code" className="block text-sm font-medium text-slate-800">
          Authentication code
        </label>
        <input
          id="code"
          name="code"
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          aria-invalid={error ? true : undefined}
          className={`${inputClass} font-mono tracking-widest`}
        />
      </div>
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Checking…" : "Confirm with code"}
      </Button>
    </form>
  );
}

/** Accounts without a password or MFA sign in again through their provider: a fresh sign-in counts. */
export function ProviderButtons({
  providers,
  next,
}: {
  providers: { id: string; name: string }[];
  next: string;
}) {
  return (
    <div className="mt-6 space-y-3">
      {providers.map((provider) => (
        <Button
          key={provider.id}
          variant="secondary"
          className="w-full"
          onClick={() => signInWithProvider(provider.id, next)}
        >
          Continue with {provider.name}
        </Button>
      ))}
    </div>
  );
}
