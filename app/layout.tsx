import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { template: "%s · Shipshape", default: "Shipshape" },
  description:
    "A production-ready Next.js SaaS starter: hardened auth, per-object authorization, rate limiting, " +
    "Stripe billing, audit log, monitoring and tested backups.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // proxy.ts sends a Content-Security-Policy with a fresh nonce on every request, and Next.js copies
  // that nonce onto its own <script> tags while rendering. A page prerendered at build time has no
  // request, so its scripts carry no nonce and the browser blocks them. Waiting for the connection
  // makes every page render per request (the Next.js CSP guide recommends `connection()` when the
  // nonce value itself is not needed in our code).
  await connection();

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
