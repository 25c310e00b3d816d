import Link from "next/link";
import type { ReactNode } from "react";
import { UtcTime } from "@/components/utc-time";
import {
  AUDIT_ACTIONS,
  type AuditEventView,
  type AuditFilter,
  type AuditViewScope,
  InvalidAuditQueryError,
  listAuditEvents,
  PSEUDONYM_PREFIX,
  parseAuditFilter,
} from "@/lib/audit";
import { auditDirectory } from "@/lib/audit/directory";

// The audit log viewer, shared by an organization's page (/[org]/audit) and the platform admins'
// (/admin/audit). Server-rendered: the filter is a plain GET form, so every view is a link that can
// be bookmarked, shared, and exported with the same filter.

type FilterKey = keyof AuditFilter;

/** Query parameters for a filter (blank fields left out), plus a page cursor. */
export function auditQuery(filter: AuditFilter, cursor?: string | null): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  if (cursor) params.set("cursor", cursor);
  const query = params.toString();
  return query ? `?${query}` : "";
}

/** The action list for the filter: each area ("auth") as "everything in it", then its actions. */
export function actionOptions(actions: readonly string[]): { area: string; actions: string[] }[] {
  const areas = new Map<string, string[]>();
  for (const action of actions) {
    const area = action.split(".")[0] as string;
    areas.set(area, [...(areas.get(area) ?? []), action]);
  }
  return [...areas].map(([area, list]) => ({ area, actions: list }));
}

type SearchParams = Record<string, string | string[] | undefined>;

/**
 * Everything the viewer shows for a page's query parameters: the filter (or its field errors), and
 * one page of events within `scope`.
 */
export async function loadAuditLog(
  scope: AuditViewScope,
  searchParams: SearchParams,
): Promise<
  Pick<
    Props,
    "values" | "filter" | "fieldErrors" | "problem" | "events" | "nextCursor" | "previousCursor" | "actions"
  >
> {
  const first = (key: string) => {
    const value = searchParams[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const values = {
    actor: first("actor"),
    action: first("action"),
    from: first("from"),
    to: first("to"),
    org: first("org"),
  };
  const empty = { events: [], nextCursor: null, previousCursor: null, actions: AUDIT_ACTIONS };
  const parsed = parseAuditFilter(scope, values);
  if (!parsed.ok) {
    return {
      ...empty,
      values,
      filter: {},
      fieldErrors: parsed.fields,
      problem: "Fix the filter to see events.",
    };
  }
  try {
    const page = await listAuditEvents(scope, parsed.filter, {
      cursor: first("cursor"),
      directory: auditDirectory,
    });
    return { ...page, values, filter: parsed.filter, fieldErrors: {}, problem: null, actions: AUDIT_ACTIONS };
  } catch (error) {
    if (!(error instanceof InvalidAuditQueryError)) throw error;
    const { cursor, ...fields } = error.fields;
    return {
      ...empty,
      values,
      filter: parsed.filter,
      fieldErrors: fields,
      problem: cursor ? cursor.join(" ") : "Fix the filter to see events.",
    };
  }
}

type Props = {
  /** The page's own path, for the filter form, its reset link and the page links. */
  basePath: string;
  /** The filter as typed (shown back in the form). */
  values: Record<FilterKey, string | undefined>;
  /** The filter as validated, for page and export links. */
  filter: AuditFilter;
  fieldErrors: Record<string, string[]>;
  /** Why the list couldn't be shown (a bad page link), if it couldn't. */
  problem: string | null;
  events: AuditEventView[];
  nextCursor: string | null;
  previousCursor: string | null;
  actions: readonly string[];
  /** The CSV export route, or null when this viewer may not export. */
  exportPath: string | null;
  /** Platform view: the organization filter and column, and links to users' admin pages. */
  platform?: boolean;
};

export function AuditLog(props: Props) {
  const { basePath, filter, events, platform = false } = props;
  return (
    <div className="space-y-6">
      <FilterForm {...props} />
      {props.problem ? (
        <p
          role="alert"
          className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
        >
          {props.problem}{" "}
          <Link href={basePath} className="font-semibold underline underline-offset-4">
            Start from the newest events
          </Link>
          .
        </p>
      ) : (
        <>
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p className="text-sm text-slate-600" aria-live="polite">
              {events.length === 0
                ? "No events match this filter."
                : `Showing ${events.length} event${events.length === 1 ? "" : "s"}, newest first.`}
            </p>
            {props.exportPath ? (
              <a
                href={`${props.exportPath}${auditQuery(filter)}`}
                className="inline-flex items-center rounded-md bg-white px-3 py-1.5 text-sm font-semibold text-slate-900 ring-1 ring-slate-300 ring-inset hover:bg-slate-50"
                download
              >
                Export CSV
              </a>
            ) : null}
          </div>
          {events.length > 0 ? <EventTable events={events} platform={platform} /> : null}
          <nav aria-label="Audit log pages" className="flex justify-between text-sm font-semibold">
            {props.previousCursor ? (
              <Link
                href={`${basePath}${auditQuery(filter, props.previousCursor)}`}
                className="text-indigo-700 underline underline-offset-4"
              >
                ← Newer events
              </Link>
            ) : (
              <span />
            )}
            {props.nextCursor ? (
              <Link
                href={`${basePath}${auditQuery(filter, props.nextCursor)}`}
                className="text-indigo-700 underline underline-offset-4"
              >
                Older events →
              </Link>
            ) : null}
          </nav>
        </>
      )}
    </div>
  );
}

function FilterForm({ basePath, values, fieldErrors, actions, platform }: Props) {
  const inputClass =
    "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-xs aria-invalid:border-red-600";
  const field = (name: FilterKey, label: string, hint: string, input: (describedBy: string) => ReactNode) => {
    const errors = fieldErrors[name] ?? [];
    const describedBy = `audit-${name}-hint${errors.length > 0 ? ` audit-${name}-error` : ""}`;
    return (
      <div>
        <label htmlFor={`audit-${name}`} className="block text-sm font-medium text-slate-900">
          {label}
        </label>
        {input(describedBy)}
        <p id={`audit-${name}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
        {errors.length > 0 ? (
          <p id={`audit-${name}-error`} className="mt-1 text-sm text-red-700">
            {errors.join(" ")}
          </p>
        ) : null}
      </div>
    );
  };
  const dateInput = (name: "from" | "to") => (describedBy: string) => {
    const value = values[name] ?? "";
    return (
      <input
        id={`audit-${name}`}
        name={name}
        // A date picker for days; plain text when the link carries an exact time.
        type={value === "" || /^\d{4}-\d{2}-\d{2}$/.test(value) ? "date" : "text"}
        defaultValue={value}
        aria-describedby={describedBy}
        aria-invalid={fieldErrors[name] ? true : undefined}
        className={inputClass}
      />
    );
  };

  return (
    <form
      method="get"
      action={basePath}
      aria-label="Filter the audit log"
      className="rounded-lg border border-slate-200 p-4"
    >
      <div className={`grid gap-4 sm:grid-cols-2 ${platform ? "lg:grid-cols-5" : "lg:grid-cols-4"}`}>
        {field("actor", "Actor", "Email or user id", (describedBy) => (
          <input
            id="audit-actor"
            name="actor"
            type="text"
            defaultValue={values.actor ?? ""}
            autoComplete="off"
            aria-describedby={describedBy}
            aria-invalid={fieldErrors.actor ? true : undefined}
            className={inputClass}
          />
        ))}
        {field("action", "Action", "An area or one action", (describedBy) => (
          <select
            id="audit-action"
            name="action"
            defaultValue={values.action ?? ""}
            aria-describedby={describedBy}
            aria-invalid={fieldErrors.action ? true : undefined}
            className={inputClass}
          >
            <option value="">All actions</option>
            {actionOptions(actions).map(({ area, actions: list }) => (
              <optgroup key={area} label={area}>
                <option value={area}>All {area} actions</option>
                {list.map((action) => (
                  <option key={action} value={action}>
                    {action}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        ))}
        {field("from", "From", "UTC day, inclusive", dateInput("from"))}
        {field("to", "To", "UTC day, inclusive", dateInput("to"))}
        {platform
          ? field("org", "Organization", "Its slug", (describedBy) => (
              <input
                id="audit-org"
                name="org"
                type="text"
                defaultValue={values.org ?? ""}
                autoComplete="off"
                aria-describedby={describedBy}
                aria-invalid={fieldErrors.org ? true : undefined}
                className={inputClass}
              />
            ))
          : null}
      </div>
      <div className="mt-4 flex items-center gap-4">
        <button
          type="submit"
          className="inline-flex items-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
        >
          Filter
        </button>
        <Link href={basePath} className="text-sm font-medium text-slate-700 underline underline-offset-4">
          Clear
        </Link>
      </div>
    </form>
  );
}

export function EventTable({ events, platform }: { events: AuditEventView[]; platform: boolean }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="min-w-full divide-y divide-slate-200 text-left text-sm">
        <caption className="sr-only">Audit events, newest first</caption>
        <thead className="bg-slate-50 text-xs font-semibold text-slate-700 uppercase">
          <tr>
            <th scope="col" className="px-3 py-2">
              Time
            </th>
            <th scope="col" className="px-3 py-2">
              Action
            </th>
            <th scope="col" className="px-3 py-2">
              Actor
            </th>
            {platform ? (
              <th scope="col" className="px-3 py-2">
                Organization
              </th>
            ) : null}
            <th scope="col" className="px-3 py-2">
              Target
            </th>
            <th scope="col" className="px-3 py-2">
              IP address
            </th>
            <th scope="col" className="px-3 py-2">
              Details
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((event) => (
            <tr key={event.id} className="align-top">
              <td className="px-3 py-2 whitespace-nowrap text-slate-700">
                <UtcTime iso={event.at} />
              </td>
              <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">{event.action}</td>
              <td className="px-3 py-2">
                <Actor event={event} platform={platform} />
              </td>
              {platform ? (
                <td className="px-3 py-2">
                  {event.org ? (
                    (event.org.slug ?? (
                      <span className="text-slate-500">deleted ({event.org.id.slice(0, 8)}…)</span>
                    ))
                  ) : (
                    <span className="text-slate-500">platform</span>
                  )}
                </td>
              ) : null}
              <td className="px-3 py-2">
                {event.target ? (
                  <span>
                    <span className="text-slate-500">{event.target.type}</span>{" "}
                    {event.target.label ??
                      (event.target.type === "user" && event.target.id.startsWith(PSEUDONYM_PREFIX) ? (
                        <span className="text-slate-500 italic">deleted user</span>
                      ) : (
                        <span className="font-mono text-xs">{event.target.id}</span>
                      ))}
                  </span>
                ) : null}
              </td>
              <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">{event.ip ?? ""}</td>
              <td className="max-w-md px-3 py-2">
                {Object.keys(event.metadata).length > 0 ? (
                  <code className="font-mono text-xs break-all text-slate-700">
                    {JSON.stringify(event.metadata)}
                  </code>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Actor({ event, platform }: { event: AuditEventView; platform: boolean }) {
  const { actor } = event;
  if (actor.pseudonymized) return <span className="text-slate-500 italic">deleted user</span>;
  if (actor.type !== "USER") return <span className="text-slate-600">{actor.label}</span>;
  if (platform && actor.email && actor.id) {
    return (
      <Link href={`/admin/users/${actor.id}`} className="text-indigo-700 underline underline-offset-4">
        {actor.email}
      </Link>
    );
  }
  return <span>{actor.label}</span>;
}
