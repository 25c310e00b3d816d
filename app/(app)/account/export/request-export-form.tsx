"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import type { ActionState } from "@/lib/http";
import { requestDataExportAction } from "./actions";

const IDLE: ActionState = { status: "idle" };

export function RequestExportForm({ disabled }: { disabled: boolean }) {
  const [state, formAction, pending] = useActionState(requestDataExportAction, IDLE);
  return (
    <form action={formAction} className="mt-6">
      <Button type="submit" disabled={pending || disabled}>
        {pending ? "Starting…" : "Request an export"}
      </Button>
      {state.status === "ok" ? (
        <p role="status" className="mt-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
          {state.message}
        </p>
      ) : null}
      {state.status === "error" ? (
        <p role="alert" className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
