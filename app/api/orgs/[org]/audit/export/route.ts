import { z } from "zod";
import { auditExportResponse, auditFilterSchema, exportAuditEventsCsv } from "@/lib/audit";
import { route } from "@/lib/http";

/** The organization's audit log, filtered as in the viewer, as a CSV download (lib/audit). */
export const GET = route(
  {
    auth: "member",
    permission: "auditLog.export",
    rateLimit: "audit-export-user",
    input: { params: z.object({ org: z.string() }), query: auditFilterSchema },
  },
  async (ctx) =>
    auditExportResponse(
      await exportAuditEventsCsv({
        scope: { kind: "organization", orgId: ctx.org.id },
        filter: ctx.input.query,
        exportedBy: { userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent },
      }),
    ),
);
