import { z } from "zod";
import { auditExportResponse, auditFilterSchema, exportAuditEventsCsv } from "@/lib/audit";
import { auditDirectory } from "@/lib/audit/directory";
import { requireEntitlement } from "@/lib/billing";
import { route } from "@/lib/http";

/**
 * The organization's audit log, filtered as in the viewer, as a CSV download (lib/audit), on plans
 * with `audit_export`.
 */
export const GET = route(
  {
    auth: "member",
    permission: "auditLog.export",
    rateLimit: "audit-export-user",
    input: { params: z.object({ org: z.string() }), query: auditFilterSchema },
  },
  async (ctx) => {
    await requireEntitlement(ctx.org.id, "audit_export");
    return auditExportResponse(
      await exportAuditEventsCsv({
        scope: { kind: "organization", orgId: ctx.org.id },
        filter: ctx.input.query,
        exportedBy: { userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent },
        directory: auditDirectory,
      }),
    );
  },
);
