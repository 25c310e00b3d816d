"use client"; // Error boundaries must be Client Components.

import { useEffect } from "react";
import { ErrorPanel, isOutage } from "@/components/error-panel";
import { reportBrowserError } from "@/lib/monitoring/browser";
import "./globals.css";

/**
 * Shown when the root layout itself throws. It replaces the root layout, so it renders its own
 * <html> and <body> and imports the global styles again; metadata exports are not supported here.
 */
export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    // An outage was reported by the server already; thousands of browsers needn't repeat it.
    if (!isOutage(error)) reportBrowserError(error);
  }, [error]);

  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col bg-white text-slate-900 antialiased">
        <title>Something went wrong · Shipshape</title>
        <ErrorPanel error={error} retry={retry} />
      </body>
    </html>
  );
}
