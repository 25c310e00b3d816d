import Link from "next/link";
import type { ReactNode } from "react";
import { PublicPage } from "@/components/public-page";

/** A full public page (header, main, footer) with a heading and a short message: 404, placeholders. */
export function MessagePage({
  title,
  children,
  prerendered = false,
}: {
  title: string;
  children: ReactNode;
  /** The header that doesn't ask who is visiting (components/public-page.tsx). */
  prerendered?: boolean;
}) {
  return (
    <PublicPage prerendered={prerendered}>
      <div className="mx-auto max-w-md px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">{title}</h1>
        <div className="mt-4 space-y-4 text-slate-600">{children}</div>
        <p className="mt-8 text-sm">
          <Link href="/" className="rounded-sm font-semibold text-indigo-700 underline underline-offset-4">
            Back to the home page
          </Link>
        </p>
      </div>
    </PublicPage>
  );
}
