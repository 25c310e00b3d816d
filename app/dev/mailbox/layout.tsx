import Link from "next/link";
import type { ReactNode } from "react";

/** The frame of the dev mailbox pages: a plain header and a wide main column. */
export default function DevMailboxLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <header className="border-b border-slate-200">
        <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4 py-4 sm:px-6">
          <Link href="/dev/mailbox" className="rounded-sm text-lg font-bold tracking-tight">
            Dev mailbox
          </Link>
          <p className="text-sm text-slate-600">
            Development only. Mail the app sent while SMTP_URL is unset.
          </p>
        </div>
      </header>
      <main id="main" className="flex-1">
        <div className="mx-auto max-w-5xl px-4 py-10 sm:px-6">{children}</div>
      </main>
    </>
  );
}
