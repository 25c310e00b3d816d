"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { HoneypotField } from "@/components/honeypot-field";
import { Button } from "@/components/ui/button";
import { signInWithPassword, signInWithProvider } from "@/lib/auth/browser";
import { HONEYPOT_FIELD } from "@/lib/security";

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-slate-900 shadow-sm focus-visible:border-indigo-600";

/** What the person sees for each refusal; the same words for every wrong-credentials case. */
const WRONG_CREDENTIALS = "The email or password is incorrect, or the account can't sign in right now.";
const SIGN_IN_ERRORS: Record<string, string> = {
  rate_limited: "Too many sign-in attempts. Wait a few minutes, then try again.",
  unavailable: "Sign-in is unavailable for a moment. Try again shortly.",
  // lib/auth refuses hostile text (control characters, broken Unicode) before looking anything up.
  invalid_input:
    "The email or password contains characters that can't be used here (control characters or broken Unicode). Retype them.",
};

type Provider = { id: string; name: string };

/**
 * Email and password, plus the OAuth providers that are configured. Every password failure gets the
 * same message, so the form can't be used to find accounts; so does a filled honeypot. After signing in, the page gate sends
 * accounts with MFA to the challenge first.
 */
export function SignInForm({
  callbackUrl,
  providers,
  initialError,
}: {
  /** A same-origin path (checked by the page). */
  callbackUrl: string;
  providers: Provider[];
  initialError?: string;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(initialError ?? null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const form = new FormData(event.currentTarget);
    const result = await signInWithPassword({
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      [HONEYPOT_FIELD]: String(form.get(HONEYPOT_FIELD) ?? ""),
    }).catch(() => ({ ok: false, error: "unavailable" }));
    setPending(false);
    if (result.ok) {
      router.push(callbackUrl);
      router.refresh();
    } else {
      setError(SIGN_IN_ERRORS[result.error ?? ""] ?? WRONG_CREDENTIALS);
    }
  }

  return (
    <form onSubmit={onSubmit} className="relative mt-8 space-y-5" noValidate>
      <div>
        <label htmlFor="email" className="block text-sm font-medium text-slate-800">
          Email
        </label>
        <input id="email" name="email" type="email" autoComplete="email" required className={inputClass} />
      </div>
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
          className={inputClass}
        />
      </div>
      <HoneypotField />
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Signing in…" : "Sign in"}
      </Button>
      {providers.length > 0 ? (
        <div className="border-t border-slate-200 pt-5">
          <p className="text-center text-sm text-slate-600">Or continue with</p>
          <div className="mt-3 space-y-3">
            {providers.map((provider) => (
              <Button
                key={provider.id}
                variant="secondary"
                className="w-full"
                disabled={pending}
                onClick={() => signInWithProvider(provider.id, callbackUrl)}
              >
                {provider.name}
              </Button>
            ))}
          </div>
        </div>
      ) : null}
    </form>
  );
}
