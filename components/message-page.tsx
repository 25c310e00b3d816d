import Link from "next/link";
import type { ReactNode } from "react";
import { SiteFooter } from "@/components/site-footer";
import { SiteHeader } from "@/components/site-header";

/** A full public page (header, main, footer) with a heading and a short message: 404, placeholders. */
export function MessagePage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <>
      <SiteHeader />
      <main id="main" className="flex-1">
        <div className="mx-auto max-w-md px-4 py-20 sm:px-6">
          <h1 className="text-3xl font-bold tracking-tight">{title}</h1>
          <div className="mt-4 space-y-4 text-slate-600">{children}</div>
          <p className="mt-8 text-sm">
            <Link href="/" className="rounded-sm font-semibold text-indigo-700 underline underline-offset-4">
              Back to the home page
            </Link>
          </p>
        </div>
      </main>
      <SiteFooter />
    </>
  );
}
