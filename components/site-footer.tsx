import Link from "next/link";

/** The public footer. */
export function SiteFooter() {
  return (
    <footer className="border-t border-slate-200">
      <div className="mx-auto flex max-w-5xl flex-col gap-2 px-4 py-8 text-sm text-slate-600 sm:flex-row sm:justify-between sm:px-6">
        <p>Shipshape: a production-ready Next.js SaaS starter.</p>
        <nav aria-label="Footer">
          <ul className="flex gap-4">
            <li>
              <Link href="/pricing" className="rounded-sm hover:text-slate-950">
                Pricing
              </Link>
            </li>
            <li>
              <Link href="/sign-in" className="rounded-sm hover:text-slate-950">
                Sign in
              </Link>
            </li>
          </ul>
        </nav>
      </div>
    </footer>
  );
}
