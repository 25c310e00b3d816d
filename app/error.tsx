"use client"; // Error boundaries must be Client Components.

import { useEffect } from "react";
import { ErrorPanel, isOutage } from "@/components/error-panel";
import { reportBrowserError } from "@/lib/monitoring/browser";

/** Shown when a page below the root layout throws. The root layout (and its skip link) stays. */
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    // An outage was reported by the server already; thousands of browsers needn't repeat it.
    if (!isOutage(error)) reportBrowserError(error);
  }, [error]);

  return <ErrorPanel error={error} retry={retry} />;
}
