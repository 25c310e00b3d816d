/**
 * Placeholder for the organization switcher: it names the current organization. The identity module
 * turns it into a menu of the organizations the signed-in user belongs to.
 */
export function OrgSwitcher({ org }: { org: string }) {
  return (
    <button
      type="button"
      disabled
      title="Switching organizations arrives with the identity module"
      className="inline-flex items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-900 disabled:cursor-not-allowed"
    >
      <span className="sr-only">Current organization: </span>
      {org}
      <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-4 text-slate-500">
        <path
          fillRule="evenodd"
          d="M5.22 8.22a.75.75 0 0 1 1.06 0L10 11.94l3.72-3.72a.75.75 0 1 1 1.06 1.06l-4.25 4.25a.75.75 0 0 1-1.06 0L5.22 9.28a.75.75 0 0 1 0-1.06Z"
          clipRule="evenodd"
        />
      </svg>
    </button>
  );
}
