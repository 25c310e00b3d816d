import type { Metadata } from "next";
import { AuditLog, loadAuditLog } from "@/components/audit-log";
import { FeatureNote } from "@/components/plan-allowance";
import { hasEntitlement } from "@/lib/billing";
import { requirePageMember } from "@/lib/http";

export const metadata: Metadata = { title: "Audit log" };

type Props = {
  params: Promise<{ org: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** The organization's audit log, for its owners and admins (auditLog.read); others get the 404 page. */
export default async function OrgAuditPage({ params, searchParams }: Props) {
  const { org } = await params;
  const member = await requirePageMember(org, "auditLog.read");
  const view = await loadAuditLog({ kind: "organization", orgId: member.org.id }, await searchParams);
  const mayExport = member.permissions.has("auditLog.export");
  const planIncludesExport = mayExport && (await hasEntitlement(member.org.id, "audit_export"));
  return (
    <div className="max-w-6xl">
      <h1 className="text-2xl font-bold tracking-tight">Audit log</h1>
      <p className="mt-2 text-slate-600">
        Who did what in {member.org.name}, and when. Entries can't be changed or deleted.
      </p>
      {mayExport && !planIncludesExport ? (
        <div className="mt-4">
          <FeatureNote feature="audit_export" orgSlug={member.org.slug} />
        </div>
      ) : null}
      <div className="mt-6">
        <AuditLog
          {...view}
          basePath={`/${member.org.slug}/audit`}
          exportPath={planIncludesExport ? `/api/orgs/${member.org.slug}/audit/export` : null}
        />
      </div>
    </div>
  );
}
