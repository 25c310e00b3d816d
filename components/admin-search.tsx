import Link from "next/link";

/** The search box of an admin list: a GET form, so a search is a link. */
export function AdminSearch({
  path,
  label,
  hint,
  value,
}: {
  path: string;
  label: string;
  hint: string;
  value: string;
}) {
  return (
    <search>
      <form method="get" action={path} className="flex flex-wrap items-end gap-3">
        <div className="min-w-64 flex-1">
          <label htmlFor="admin-search" className="block text-sm font-medium text-slate-900">
            {label}
          </label>
          <input
            id="admin-search"
            name="q"
            type="search"
            defaultValue={value}
            maxLength={200}
            aria-describedby="admin-search-hint"
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
          />
          <p id="admin-search-hint" className="mt-1 text-xs text-slate-500">
            {hint}
          </p>
        </div>
        <button
          type="submit"
          className="mb-5 inline-flex items-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
        >
          Search
        </button>
      </form>
    </search>
  );
}

/** Previous/next links of an admin list, keeping the search. */
export function AdminPager({
  path,
  search,
  previousCursor,
  nextCursor,
}: {
  path: string;
  search: string;
  previousCursor: string | null;
  nextCursor: string | null;
}) {
  const href = (cursor: string) => {
    const params = new URLSearchParams();
    if (search) params.set("q", search);
    params.set("cursor", cursor);
    return `${path}?${params}`;
  };
  return (
    <nav aria-label="Pages" className="flex justify-between text-sm font-semibold">
      {previousCursor ? (
        <Link href={href(previousCursor)} className="text-indigo-700 underline underline-offset-4">
          ← Previous
        </Link>
      ) : (
        <span />
      )}
      {nextCursor ? (
        <Link href={href(nextCursor)} className="text-indigo-700 underline underline-offset-4">
          Next →
        </Link>
      ) : null}
    </nav>
  );
}

/** One query parameter as a string (the first, when repeated). */
export function searchParam(params: Record<string, string | string[] | undefined>, key: string): string {
  const value = params[key];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}
