import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { requirePageUser } from "@/lib/http";
import { type DataExportSummary, listDataExports, readPrivacyConfig } from "@/lib/privacy";
import { RequestExportForm } from "./request-export-form";

export const metadata: Metadata = { title: "Export your data" };

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function size(bytes: number | null): string {
  if (bytes === null) return "";
  return bytes < 1024 * 1024
    ? `${Math.max(1, Math.round(bytes / 1024))} KB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function ExportRow({ entry, now }: { entry: DataExportSummary; now: Date }) {
  const requested = `Requested ${when.format(entry.createdAt)} UTC`;
  const expired = entry.status === "EXPIRED" || (entry.expiresAt !== null && entry.expiresAt <= now);
  return (
    <li className="flex flex-wrap items-center justify-between gap-3 py-4">
      <div>
        <p className="font-medium text-slate-900">{requested}</p>
        <p className="text-sm text-slate-600">
          {entry.status === "PENDING" && "Being prepared. Reload this page in a minute."}
          {entry.status === "FAILED" && "This export failed. Request a new one."}
          {entry.status === "READY" && !expired && entry.expiresAt
            ? `Ready, ${size(entry.sizeBytes)}. Available until ${when.format(entry.expiresAt)} UTC.`
            : null}
          {expired && "Expired: the file was deleted."}
        </p>
      </div>
      {entry.status === "READY" && !expired ? (
        <a
          href={`/api/account/exports/${entry.id}`}
          download
          className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
        >
          Download
        </a>
      ) : null}
    </li>
  );
}

export default async function ExportPage() {
  // Open during the deletion grace period too: the right of access holds until the hard delete.
  const user = await requirePageUser({ allow: ["deletionPending"], returnTo: "/account/export" });
  const exports = await listDataExports(user.id);
  const now = new Date();
  const pending = exports.some((entry) => entry.status === "PENDING");
  return (
    <PublicPage>
      <div className="mx-auto max-w-xl px-4 py-16 sm:px-6">
        <p className="text-sm">
          <Link href="/account" className="text-indigo-700 underline underline-offset-4">
            Your account
          </Link>
        </p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight">Export your data</h1>
        <p className="mt-4 text-slate-700">
          Download everything we keep about you as JSON files in a zip: your profile, your memberships, the
          projects you created, your activity in the audit log, and the invoices of organizations you own. It
          is prepared in the background; we email you when it is ready. Each export can be downloaded for{" "}
          {readPrivacyConfig().DATA_EXPORT_TTL_DAYS} days, while you are signed in.
        </p>
        <RequestExportForm disabled={pending} />
        {pending ? (
          <p className="mt-3 text-sm text-slate-600">
            An export is being prepared; you can request another once it is done.
          </p>
        ) : null}
        {exports.length > 0 ? (
          <section aria-labelledby="exports-heading" className="mt-10">
            <h2 id="exports-heading" className="text-lg font-semibold">
              Your exports
            </h2>
            <ul className="mt-2 divide-y divide-slate-200 border-y border-slate-200">
              {exports.map((entry) => (
                <ExportRow key={entry.id} entry={entry} now={now} />
              ))}
            </ul>
          </section>
        ) : null}
      </div>
    </PublicPage>
  );
}
