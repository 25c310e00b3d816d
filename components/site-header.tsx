import Link from "next/link";
import { ButtonLink } from "@/components/ui/button";
import { getCurrentUser } from "@/lib/auth";

/**
 * The public header: brand, pricing, and the ways in (or, once signed in, the way back to the account).
 * On a page prerendered at build time (`prerendered`) there is no visitor to ask about: it offers the
 * ways in, and /sign-in sends someone already signed in on to their account (decision 0037).
 */
export async function SiteHeader({ prerendered = false }: { prerendered?: boolean }) {
  const user = prerendered ? null : await getCurrentUser();
  return (
    <header className="border-b border-slate-200">
      <div className="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-4 sm:px-6">
        <Link href="/" className="rounded-sm text-lg font-bold tracking-tight">
          Shipshape
        </Link>
        <nav aria-label="Main">
          <ul className="flex items-center gap-1 text-sm font-medium sm:gap-3">
            <li>
              <Link href="/pricing" className="rounded-md px-3 py-2 text-slate-700 hover:text-slate-950">
                Pricing
              </Link>
            </li>
            {user ? (
              <li>
                <ButtonLink href="/account">Your account</ButtonLink>
              </li>
            ) : (
              <>
                <li>
                  <Link href="/sign-in" className="rounded-md px-3 py-2 text-slate-700 hover:text-slate-950">
                    Sign in
                  </Link>
                </li>
                <li>
                  <ButtonLink href="/sign-up">Sign up</ButtonLink>
                </li>
              </>
            )}
          </ul>
        </nav>
      </div>
    </header>
  );
}
