import Link from "next/link";

type Organization = { slug: string; name: string };

/**
 * The organization switcher: names the current organization and opens a menu of the others the
 * user belongs to, plus "New organization". A <details> menu: it works without JavaScript.
 */
export function OrgSwitcher({
  current,
  organizations,
}: {
  current: Organization;
  organizations: Organization[];
}) {
  const others = organizations.filter((organization) => organization.slug !== current.slug);
  return (
    <details className="group relative">
      <summary className="inline-flex cursor-pointer list-none items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-900 hover:bg-slate-50 [&::-webkit-details-marker]:hidden">
        <span className="sr-only">Current organization: </span>
        {current.name}
        <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-4 text-slate-500">
          <path
            fillRule="evenodd"
            d="M5.22 8.22a.75.75 0 0 1 1.06 0L10 11.94l3.72-3.72a.75.75 0 1 1 1.06 1.06l-4.25 4.25a.75.75 0 0 1-1.06 0L5.22 9.28a.75.75 0 0 1 0-1.06Z"
            clipRule="evenodd"
          />
        </svg>
        <span className="sr-only">(switch organization)</span>
      </summary>
      <nav
        aria-label="Your organizations"
        className="absolute left-0 z-10 mt-1 w-64 rounded-md border border-slate-200 bg-white p-1 shadow-lg"
      >
        <ul>
          {others.map((organization) => (
            <li key={organization.slug}>
              <Link
                href={`/${organization.slug}`}
                className="block rounded px-3 py-2 text-sm text-slate-900 hover:bg-slate-100"
              >
                {organization.name}
              </Link>
            </li>
          ))}
          <li className={others.length > 0 ? "mt-1 border-t border-slate-200 pt-1" : undefined}>
            <Link
              href="/orgs/new"
              className="block rounded px-3 py-2 text-sm font-medium text-indigo-700 hover:bg-slate-100"
            >
              New organization
            </Link>
          </li>
        </ul>
      </nav>
    </details>
  );
}
