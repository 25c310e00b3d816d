/**
 * A form's outcome: an error (role="alert", read out at once) or a success (role="status"). Placed
 * inside the form, so tests and people find it next to what they just submitted.
 */
export function FormMessage({ state }: { state: { status: string; message?: string } }) {
  if (state.status === "error") {
    return (
      <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
        {state.message}
      </p>
    );
  }
  if (state.status === "ok" && state.message) {
    return (
      <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
        {state.message}
      </p>
    );
  }
  return null;
}
