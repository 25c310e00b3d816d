import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { requirePagePlatformAdmin } from "@/lib/http";

export const metadata: Metadata = { title: { template: "%s · Admin · Shipshape", default: "Admin" } };

const sections = [
  { href: "/admin/users", label: "Users" },
  { href: "/admin/organizations", label: "Organizations" },
  { href: "/admin/audit", label: "Audit log" },
] as const;

/**
 * The platform admin area: only platform admins who passed MFA see it; anyone else gets the 404 page
 * (the area doesn't admit to existing). Each page checks again (the check is cached per request).
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const admin = await requirePagePlatformAdmin();
  return (
    <>
      <header className="border-b border-slate-200 bg-slate-900 text-white">
        <div className="flex flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-6">
          <div className="flex items-center gap-3">
            <Link href="/" className="rounded-sm font-bold tracking-tight">
              Shipshape
            </Link>
            <span aria-hidden="true" className="text-slate-500">
              /
            </span>
            <span className="font-semibold">Platform admin</span>
          </div>
          <nav aria-label="Admin" className="text-sm">
            <ul className="flex flex-wrap items-center gap-1">
              {sections.map((section) => (
                <li key={section.href}>
                  <Link href={section.href} className="rounded-md px-3 py-2 font-medium hover:bg-slate-800">
                    {section.label}
                  </Link>
                </li>
              ))}
              <li>
                <Link href="/account" className="rounded-md px-3 py-2 text-slate-300 hover:bg-slate-800">
                  {admin.email}
                </Link>
              </li>
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" className="flex-1 px-4 py-8 sm:px-8">
        {children}
      </main>
    </>
  );
}
