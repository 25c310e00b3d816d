import type { Metadata } from "next";
import { AuditLog, loadAuditLog } from "@/components/audit-log";
import { requirePagePlatformAdmin } from "@/lib/http";

export const metadata: Metadata = { title: "Audit log" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Every organization's audit log and the platform's own, for platform admins. */
export default async function AdminAuditPage({ searchParams }: Props) {
  await requirePagePlatformAdmin();
  const view = await loadAuditLog({ kind: "platform" }, await searchParams);
  return (
    <div className="max-w-7xl">
      <h1 className="text-2xl font-bold tracking-tight">Audit log</h1>
      <p className="mt-2 text-slate-600">
        All organizations and the platform's own events (sign-ins, admin actions).
      </p>
      <div className="mt-6">
        <AuditLog {...view} basePath="/admin/audit" exportPath="/api/admin/audit/export" platform />
      </div>
    </div>
  );
}
