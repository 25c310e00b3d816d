import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { template: "%s · Shipshape", default: "Shipshape" },
  description:
    "A production-ready Next.js SaaS starter: hardened auth, per-object authorization, rate limiting, " +
    "Stripe billing, audit log, monitoring and tested backups.",
};

/**
 * No dynamic API here, so a page that reads nothing per request (the landing page) is prerendered at
 * build time. Every other page reads the request (a session, search params, or `connection()`) and
 * renders per request, where Next.js copies the nonce of proxy.ts's Content-Security-Policy onto its
 * scripts; a prerendered page's inline scripts are allowed by their hashes instead (decision 0037).
 */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col bg-white text-slate-900 antialiased">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:top-4 focus:left-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-4 focus:py-2 focus:text-sm focus:font-semibold focus:shadow-lg"
        >
          Skip to content
        </a>
        {children}
      </body>
    </html>
  );
}
