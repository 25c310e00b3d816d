import type { ReactNode } from "react";
import { PublicPage } from "@/components/public-page";

/**
 * The landing page is prerendered at build time and served as it is to everyone (proxy.ts gives it a
 * CSP of script hashes instead of a nonce: decision 0037), so its header can't depend on the visitor.
 */
export default function MarketingLayout({ children }: { children: ReactNode }) {
  return <PublicPage prerendered>{children}</PublicPage>;
}
