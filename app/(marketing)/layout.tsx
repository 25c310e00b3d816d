import type { ReactNode } from "react";
import { PublicPage } from "@/components/public-page";

export default function MarketingLayout({ children }: { children: ReactNode }) {
  return <PublicPage>{children}</PublicPage>;
}
