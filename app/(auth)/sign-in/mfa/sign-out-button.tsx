"use client";

import { signOut } from "@/lib/auth/browser";

/** Abandons the half-finished sign-in: ends the pending session. */
export function SignOutButton() {
  return (
    <button
      type="button"
      onClick={() => signOut("/sign-in")}
      className="rounded-sm font-semibold text-indigo-700 underline underline-offset-4"
    >
      Sign out
    </button>
  );
}
