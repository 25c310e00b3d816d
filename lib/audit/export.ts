import "server-only";
import { getDb, type Prisma, type PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { UUID_PATTERN } from "./chain";
import {
  AUDIT_EVENT_COLUMNS,
  type AuditDirectory,
  type AuditEventView,
  type AuditFilter,
  type AuditViewScope,
  NEWEST_FIRST,
  olderThan,
  presentAuditEvents,
  type ResolvedAuditFilter,
  resolveAuditQuery,
} from "./query";
import { recordAuditEvent } from "./record";
import { readAuditConfig } from "./retention";

// CSV export of a filtered audit log: streamed in batches through the same scoped, keyset-paged query
// as the viewer, capped at AUDIT_EXPORT_MAX_ROWS, safe to open in a spreadsheet, and audited itself
// before the first row leaves (docs/decisions/0016-audit-log-viewer-and-export.md).

export interface AuditExportInput {
  scope: AuditViewScope;
  filter: AuditFilter;
  /** Who exports, for the `audit.exported` event. */
  exportedBy: { userId: string; ip?: string | null; userAgent?: string | null };
  /** Default: AUDIT_EXPORT_MAX_ROWS. */
  maxRows?: number;
  /** Events per database round trip. */
  batchSize?: number;
  db?: PrismaClient;
  /** Emails and slugs in the file and the filter; none: ids only (AuditDirectory). */
  directory?: AuditDirectory;
}

export interface AuditExport {
  /** The CSV, produced as the client reads it. */
  body: ReadableStream<Uint8Array>;
  /** Rows the file holds (counted when the export started, and recorded in its audit event). */
  rows: number;
  /** More events matched than the file holds. */
  truncated: boolean;
  maxRows: number;
  /** Name for Content-Disposition, such as audit-log-2026-05-01.csv. */
  filename: string;
}

export const AUDIT_CSV_COLUMNS = [
  "at",
  "action",
  "actor_type",
  "actor_id",
  "actor_email",
  "org_id",
  "org_slug",
  "target_type",
  "target_id",
  "target_email",
  "ip",
  "user_agent",
  "request_id",
  "metadata",
  "chain",
  "seq",
  "prev_hash",
  "hash",
] as const;

const DEFAULT_BATCH_SIZE = 500;

/**
 * Starts a CSV export of the events matching `filter` within `scope`, newest first. The filtered set
 * is bounded at the moment of the call (later events are left out) and cut at `maxRows`; when cut,
 * the file ends with a line saying so and `truncated` is true. The `audit.exported` event (filter,
 * row count, truncation) is written before the stream is returned: if it can't be written, nothing
 * is exported. Throws InvalidAuditQueryError (400) for a bad filter.
 */
export async function exportAuditEventsCsv(input: AuditExportInput): Promise<AuditExport> {
  const db = input.db ?? getDb();
  const maxRows = input.maxRows ?? readAuditConfig().AUDIT_EXPORT_MAX_ROWS;
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const { where: filtered, resolved } = await resolveAuditQuery(
    input.scope,
    input.filter,
    db,
    input.directory,
  );

  // Fix the set's newest edge now, on the database clock, so the count, the audit event and the rows
  // describe the same events however long the download takes.
  const [clock] = await db.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
  const startedAt = clock?.now ?? new Date();
  const where: Prisma.AuditEventWhereInput = { AND: [filtered, { at: { lte: startedAt } }] };
  const matching = await db.auditEvent.count({ where, take: maxRows + 1 });
  const rows = Math.min(matching, maxRows);
  const truncated = matching > maxRows;

  // Exporting one user's events is about that user: they are the event's target, where their hard
  // delete pseudonymizes them (metadata holds no user ids).
  const filteredUser = resolved.actorId && UUID_PATTERN.test(resolved.actorId) ? resolved.actorId : null;
  await recordAuditEvent(
    {
      action: "audit.exported",
      actor: { type: "USER", id: input.exportedBy.userId },
      ip: input.exportedBy.ip,
      userAgent: input.exportedBy.userAgent,
      orgId: input.scope.kind === "organization" ? input.scope.orgId : null,
      target: filteredUser ? { type: "user", id: filteredUser } : null,
      metadata: {
        format: "csv",
        scope: input.scope.kind,
        filter: filterForAudit(resolved, filteredUser),
        rows,
        truncated,
        maxRows,
        upTo: startedAt,
      },
    },
    db,
  );

  return {
    body: csvStream({ db, directory: input.directory, where, rows, truncated, batchSize }),
    rows,
    truncated,
    maxRows,
    filename: `audit-log-${startedAt.toISOString().slice(0, 10)}.csv`,
  };
}

/**
 * The filter as ids and instants, never an email. A user filtered on (`filteredUser`) is named by
 * the event's target, not here.
 */
function filterForAudit(resolved: ResolvedAuditFilter, filteredUser: string | null): Record<string, unknown> {
  const { actorId } = resolved;
  return {
    ...(actorId !== undefined && {
      actorId:
        actorId === null ? "(no matching user)" : actorId === filteredUser ? "(the target user)" : actorId,
    }),
    ...(resolved.action !== undefined && { action: resolved.action }),
    ...(resolved.from !== undefined && { from: resolved.from }),
    ...(resolved.until !== undefined && { until: resolved.until }),
    ...(resolved.orgId !== undefined && { orgId: resolved.orgId }),
  };
}

function csvStream(options: {
  db: PrismaClient;
  directory: AuditDirectory | undefined;
  where: Prisma.AuditEventWhereInput;
  rows: number;
  truncated: boolean;
  batchSize: number;
}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let sent = 0;
  let position: { at: Date; id: string } | null = null;
  let started = false;
  return new ReadableStream<Uint8Array>({
    // One batch per pull: the database is read only as fast as the client downloads.
    async pull(controller) {
      try {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(csvLine(AUDIT_CSV_COLUMNS)));
        }
        const take = Math.min(options.batchSize, options.rows - sent);
        const batch =
          take <= 0
            ? []
            : await options.db.auditEvent.findMany({
                where: position ? { AND: [options.where, olderThan(position)] } : options.where,
                orderBy: NEWEST_FIRST,
                take,
                select: AUDIT_EVENT_COLUMNS,
              });
        if (batch.length > 0) {
          const events = await presentAuditEvents(batch, options.db, options.directory);
          controller.enqueue(encoder.encode(events.map((event) => csvLine(csvRow(event))).join("")));
          sent += batch.length;
          const last = batch.at(-1) as { at: Date; id: string };
          position = { at: last.at, id: last.id };
        }
        if (batch.length < take || sent >= options.rows) {
          if (options.truncated) {
            // A line people see when they open the file; programs also get X-Audit-Export-Truncated.
            controller.enqueue(
              encoder.encode(
                `# truncated: this file holds the newest ${sent} matching events only; narrow the filter to export the rest\r\n`,
              ),
            );
          }
          controller.close();
        }
      } catch (error) {
        logger.error({ err: error, sent }, "audit CSV export failed while streaming");
        controller.error(error);
      }
    },
  });
}

function csvRow(event: AuditEventView): (string | number | null)[] {
  return [
    event.at,
    event.action,
    event.actor.type,
    event.actor.id,
    event.actor.email,
    event.org?.id ?? null,
    event.org?.slug ?? null,
    event.target?.type ?? null,
    event.target?.id ?? null,
    event.target?.label ?? null,
    event.ip,
    event.userAgent,
    event.requestId,
    JSON.stringify(event.metadata),
    event.chain,
    event.seq,
    event.prevHash,
    event.hash,
  ];
}

function csvLine(cells: readonly (string | number | null)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/**
 * One CSV cell (RFC 4180), safe to open in a spreadsheet: text starting with = + - @, a tab or a
 * carriage return would be read as a formula (CSV injection, OWASP), so it gets a leading
 * apostrophe; text with a comma, quote or line break is quoted, its quotes doubled.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The HTTP response for an export: the CSV as a download, with its row count and truncation. */
export function auditExportResponse(exported: AuditExport): Response {
  return new Response(exported.body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${exported.filename}"`,
      "cache-control": "no-store",
      "x-audit-export-rows": String(exported.rows),
      "x-audit-export-truncated": String(exported.truncated),
      "x-audit-export-max-rows": String(exported.maxRows),
    },
  });
}
