"use client";

import { Button, ButtonLink } from "@/components/ui/button";

/**
 * The digest Next.js attaches to errors thrown on the server. It is the same id the server logs, so
 * support can find the real error from what the user quotes; the message itself is hidden in production.
 */
function errorDigest(error: unknown): string | undefined {
  if (error instanceof Error && "digest" in error && typeof error.digest === "string") return error.digest;
  return undefined;
}

/**
 * The digest of lib/db's DatabaseUnavailableError (DATABASE_UNAVAILABLE_DIGEST; repeated here because
 * client components import nothing from lib/). The page gate throws it when the database can't be
 * reached: an outage to wait out, not a bug to report.
 */
export const DATABASE_UNAVAILABLE_DIGEST = "DATABASE_UNAVAILABLE";

/** Whether the error is the database outage the page gate reports. */
export function isOutage(error: unknown): boolean {
  return errorDigest(error) === DATABASE_UNAVAILABLE_DIGEST;
}

/** The body of the error pages: what happened, a way to try again, and a reference to quote. */
export function ErrorPanel({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = errorDigest(error);
  if (digest === DATABASE_UNAVAILABLE_DIGEST) return <UnavailablePanel retry={retry} />;

  return (
    <main id="main" className="mx-auto w-full max-w-xl flex-1 px-4 py-24 sm:px-6">
      <p className="text-sm font-semibold text-red-700">Error</p>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">Something went wrong</h1>
      <p className="mt-4 text-slate-600">
        The page could not be shown. Trying again often works; if it keeps happening, contact support
        {digest ? " and quote the reference below" : ""}.
      </p>
      {digest ? (
        <p className="mt-4 text-sm text-slate-600">
          Reference:{" "}
          <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-slate-900">{digest}</code>
        </p>
      ) : null}
      <div className="mt-8 flex flex-wrap gap-3">
        <Button onClick={retry}>Try again</Button>
        <ButtonLink href="/" variant="secondary">
          Go to the home page
        </ButtonLink>
      </div>
    </main>
  );
}

/** What a database outage looks like to people: nothing is lost, come back in a minute. */
function UnavailablePanel({ retry }: { retry: () => void }) {
  return (
    <main id="main" className="mx-auto w-full max-w-xl flex-1 px-4 py-24 sm:px-6">
      <p className="text-sm font-semibold text-amber-700">503</p>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">This page is temporarily unavailable</h1>
      <p className="mt-4 text-slate-600">
        We can't reach our database right now, so this page can't be shown. Your data is safe and nothing was
        changed. Try again in a minute.
      </p>
      <div className="mt-8 flex flex-wrap gap-3">
        <Button onClick={retry}>Try again</Button>
      </div>
    </main>
  );
}
