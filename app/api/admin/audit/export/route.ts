import { auditExportResponse, exportAuditEventsCsv, platformAuditFilterSchema } from "@/lib/audit";
import { auditDirectory } from "@/lib/audit/directory";
import { route } from "@/lib/http";

/** The whole platform's audit log (or one organization's, by `org`), filtered, as a CSV download. */
export const GET = route(
  {
    auth: "platformAdmin",
    rateLimit: "audit-export-user",
    input: { query: platformAuditFilterSchema },
  },
  async (ctx) =>
    auditExportResponse(
      await exportAuditEventsCsv({
        scope: { kind: "platform" },
        filter: ctx.input.query,
        exportedBy: { userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent },
        directory: auditDirectory,
      }),
    ),
);
