import type { ReactNode } from "react";
import { SiteFooter } from "@/components/site-footer";
import { SiteHeader } from "@/components/site-header";

/**
 * The public frame: site header, the page's main landmark (the skip link's target), site footer.
 * `prerendered` pages (built once, served to everyone) get the header that doesn't ask who is visiting.
 */
export function PublicPage({
  children,
  prerendered = false,
}: {
  children: ReactNode;
  prerendered?: boolean;
}) {
  return (
    <>
      <SiteHeader prerendered={prerendered} />
      <main id="main" className="flex-1">
        {children}
      </main>
      <SiteFooter />
    </>
  );
}
