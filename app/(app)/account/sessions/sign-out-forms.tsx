"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import type { ActionState } from "@/lib/http";
import { endSessionAction, signOutAllDevicesAction, signOutOtherDevicesAction } from "./actions";

const idle: ActionState = { status: "idle" };

function Outcome({ state }: { state: ActionState }) {
  if (state.status === "ok") {
    return (
      <p role="status" className="mt-3 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
        {state.message}
      </p>
    );
  }
  if (state.status === "error") {
    return (
      <p role="alert" className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
        {state.message}
      </p>
    );
  }
  return null;
}

export function SignOutOthersForm() {
  const [state, formAction, pending] = useActionState(signOutOtherDevicesAction, idle);
  return (
    <form action={formAction}>
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Signing out…" : "Sign out all other devices"}
      </Button>
      <Outcome state={state} />
    </form>
  );
}

export function SignOutEverywhereForm() {
  const [state, formAction, pending] = useActionState(signOutAllDevicesAction, idle);
  return (
    <form action={formAction}>
      <Button type="submit" disabled={pending}>
        {pending ? "Signing out…" : "Sign out of all devices"}
      </Button>
      <Outcome state={state} />
    </form>
  );
}

/** Ends one other session (a row of the list); the page reloads without it. */
export function EndSessionForm({ sessionId, device }: { sessionId: string; device: string }) {
  const [state, formAction, pending] = useActionState(endSessionAction, idle);
  return (
    <form action={formAction}>
      <input type="hidden" name="sessionId" value={sessionId} />
      <Button type="submit" variant="secondary" disabled={pending} aria-label={`Sign out ${device}`}>
        {pending ? "Signing out…" : "Sign out"}
      </Button>
      <Outcome state={state} />
    </form>
  );
}
