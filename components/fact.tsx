import type { ReactNode } from "react";

/** One term and its value in a `<dl>` grid (the admin pages' account and organization facts). */
export function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="contents">
      <dt className="font-medium text-slate-600">{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
