import Link from "next/link";
import type { ReactNode } from "react";

/** The top of an admin detail page: the way back to its list, the record's title, and a line under it. */
export function DetailHeader({
  back,
  title,
  children,
}: {
  back: { href: string; label: string };
  title: string;
  children?: ReactNode;
}) {
  return (
    <div>
      <p className="text-sm">
        <Link href={back.href} className="text-indigo-700 underline underline-offset-4">
          ← {back.label}
        </Link>
      </p>
      <h1 className="mt-2 text-2xl font-bold tracking-tight break-all">{title}</h1>
      {children}
    </div>
  );
}
