import "server-only";
import { z } from "zod";
import { getDb, type Prisma, type PrismaClient } from "@/lib/db";
import { findHostileText, HOSTILE_TEXT_MESSAGE } from "@/lib/security";
import { AUDIT_ACTIONS } from "./actions";
import { type AuditActorType, PSEUDONYM_PREFIX, UUID_PATTERN } from "./chain";

// Reading the audit log: filters, cursor pagination and the one public shape of an event. The scope
// (one organization, or the whole platform) is part of every query's `where`, so an organization's
// admin can't reach another organization's events by any filter or cursor.

/**
 * The viewer's joins: who a user id is (their email) and which organization an org id is (its slug),
 * both ways. Optional, so that lib/audit needs no User or Organization model: without a directory,
 * actors and targets show by id, organizations without a slug, and the filter takes ids only.
 * Shipshape's is `auditDirectory` in lib/audit/directory.ts (its User and Organization models).
 */
export interface AuditDirectory {
  /** The id of the user with this email (given lowercased), or null when there is none. */
  userIdByEmail(email: string, db: PrismaClient): Promise<string | null>;
  /** The id of the organization with this slug, or null when there is none. */
  orgIdBySlug(slug: string, db: PrismaClient): Promise<string | null>;
  /** id → email of the users among `ids` who still exist. */
  userEmails(ids: string[], db: PrismaClient): Promise<Map<string, string>>;
  /** id → slug of the organizations among `ids` that still exist. */
  orgSlugs(ids: string[], db: PrismaClient): Promise<Map<string, string>>;
}

/** Whose events a viewer may see: one organization's (its admins) or everyone's (platform admins). */
export type AuditViewScope = { kind: "organization"; orgId: string } | { kind: "platform" };

/** A filter as typed in the viewer's form (GET query parameters); every field is optional. */
export interface AuditFilter {
  /** A user's id or email, or a system actor's name (such as "audit-retention"). */
  actor?: string;
  /** A catalogue action ("auth.sign_in.failed") or a prefix of one at a dot ("auth", "auth.sign_in"). */
  action?: string;
  /** From this UTC day (YYYY-MM-DD) or instant (ISO 8601 with an offset), inclusive. */
  from?: string;
  /** Up to this UTC day (the whole day) or instant, inclusive. */
  to?: string;
  /** Platform scope only: one organization's events, by slug. */
  org?: string;
}

/** The filter or cursor is malformed: a 400 naming each field, as the route wrapper answers it. */
export class InvalidAuditQueryError extends Error {
  override name = "InvalidAuditQueryError";
  readonly status = 400;
  readonly code = "invalid_input";
  constructor(readonly fields: Record<string, string[]>) {
    super(
      `The audit log query is not valid: ${Object.keys(fields).join(", ")}. ${Object.values(fields).flat().join(" ")}`,
    );
  }
}

/** How an actor is shown. `label` is what a person reads: an email, "deleted user", "system: <name>". */
export interface AuditActorView {
  type: AuditActorType;
  /** User.id, a system name, "pseudonym:<sha256>" for a deleted user, or null for anonymous. */
  id: string | null;
  /** The user's current email, when the actor is a user who still exists. */
  email: string | null;
  /** The actor was a user whose account was deleted: their id was replaced by a pseudonym. */
  pseudonymized: boolean;
  label: string;
}

/** One audit event as the viewer and the CSV export present it: these fields and nothing else. */
export interface AuditEventView {
  id: string;
  /** ISO 8601, UTC, milliseconds. */
  at: string;
  action: string;
  actor: AuditActorView;
  ip: string | null;
  userAgent: string | null;
  /** Null for platform events. `slug` is null once the organization is deleted. */
  org: { id: string; slug: string | null } | null;
  /** `label` is the email when the target is a user who still exists. */
  target: { type: string; id: string; label: string | null } | null;
  /** Redacted when the event was written (lib/log's rules), so it holds no secrets. */
  metadata: Record<string, unknown>;
  requestId: string | null;
  /** Where the event sits in its hash chain, to check an export against `npm run audit:verify`. */
  chain: string;
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditEventPage {
  /** Newest first. */
  events: AuditEventView[];
  /** The cursor of the next (older) page, or null on the last page. */
  nextCursor: string | null;
  /** The cursor of the previous (newer) page, or null on the first page. */
  previousCursor: string | null;
}

export const AUDIT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

// --- The filter ------------------------------------------------------------------------------

const blankToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const dateBound = z
  .string()
  .trim()
  .max(40)
  .refine((value) => parseBound(value, "from") !== null, {
    error: "Use a date such as 2026-01-31 (a UTC day) or a time such as 2026-01-31T09:00:00Z.",
  });

/** The start of `value` (from) or the instant just after its end (to), or null when it is no date. */
function parseBound(value: string, side: "from" | "to"): Date | null {
  if (DATE_ONLY.test(value)) {
    const day = new Date(`${value}T00:00:00.000Z`);
    // new Date accepts 2026-02-31 by rolling over into March: refuse what didn't round-trip.
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) return null;
    return side === "from" ? day : new Date(day.getTime() + 24 * 60 * 60 * 1000);
  }
  if (!z.iso.datetime({ offset: true }).safeParse(value).success) return null;
  const instant = new Date(value);
  return side === "from" ? instant : new Date(instant.getTime() + 1);
}

/** Strips the ways people write "everything under": "auth.", "auth.*", "auth*". */
function normalizeAction(value: string): string {
  return value.replace(/\.?\*$/, "").replace(/\.$/, "");
}

function isActionOrPrefix(value: string): boolean {
  return AUDIT_ACTIONS.some((action) => action === value || action.startsWith(`${value}.`));
}

const filterFields = {
  actor: z.preprocess(blankToUndefined, z.string().trim().max(320).optional()),
  action: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .max(100)
      .transform(normalizeAction)
      .refine(isActionOrPrefix, {
        error: 'Unknown action. Choose one from the list, or a prefix such as "auth" or "membership".',
      })
      .optional(),
  ),
  from: z.preprocess(blankToUndefined, dateBound.optional()),
  to: z.preprocess(blankToUndefined, dateBound.optional()),
};

function checkRange(filter: { from?: string; to?: string }, ctx: z.RefinementCtx): void {
  if (filter.from === undefined || filter.to === undefined) return;
  const from = parseBound(filter.from, "from");
  const to = parseBound(filter.to, "to");
  if (from && to && from.getTime() >= to.getTime()) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "The end must be after the start." });
  }
}

/** An organization's audit filter (query parameters). Blank fields count as absent. */
export const auditFilterSchema = z.object(filterFields).superRefine(checkRange);

/** The platform admins' filter: the organization's filter plus `org` (a slug). */
export const platformAuditFilterSchema = z
  .object({
    ...filterFields,
    org: z.preprocess(
      blankToUndefined,
      z
        .string()
        .trim()
        .toLowerCase()
        .max(100)
        .regex(/^[a-z0-9-]+$/, { error: "Use an organization's slug, as in its URL." })
        .optional(),
    ),
  })
  .superRefine(checkRange);

function schemaFor(scope: AuditViewScope) {
  return scope.kind === "platform" ? platformAuditFilterSchema : auditFilterSchema;
}

function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "query");
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  return fields;
}

/**
 * Validates a filter from query parameters for the given scope: the filter with blanks dropped and
 * actions normalized, or the field errors to show next to the form.
 */
export function parseAuditFilter(
  scope: AuditViewScope,
  raw: Record<string, unknown>,
): { ok: true; filter: AuditFilter } | { ok: false; fields: Record<string, string[]> } {
  // The viewer's query parameters come straight from the page's URL, not through the route wrapper.
  const hostile = findHostileText(raw);
  if (hostile !== null) return { ok: false, fields: { [hostile]: [HOSTILE_TEXT_MESSAGE] } };
  const parsed = schemaFor(scope).safeParse(raw);
  return parsed.success
    ? { ok: true, filter: parsed.data }
    : { ok: false, fields: fieldErrors(parsed.error) };
}

/** The filter in the form its queries use, and as the export's own audit event records it. */
export interface ResolvedAuditFilter {
  /** The actor's id; null when the actor given matches nobody (an unknown email). */
  actorId?: string | null;
  action?: string;
  from?: Date;
  /** Exclusive. */
  until?: Date;
  orgId?: string;
}

/**
 * Checks the filter, resolves an email to its user's id and an organization's slug to its id
 * (through `directory`), and returns the query's `where` with the scope in it. Throws
 * InvalidAuditQueryError for a bad filter, and for an email or a slug when there is no directory.
 * An email that matches no user matches no event, with no error: the log doesn't say who has an
 * account.
 */
export async function resolveAuditQuery(
  scope: AuditViewScope,
  raw: AuditFilter,
  db: PrismaClient,
  directory?: AuditDirectory,
): Promise<{ where: Prisma.AuditEventWhereInput; resolved: ResolvedAuditFilter }> {
  const parsed = parseAuditFilter(scope, raw as Record<string, unknown>);
  if (!parsed.ok) throw new InvalidAuditQueryError(parsed.fields);
  const filter = parsed.filter;
  const resolved: ResolvedAuditFilter = {};
  const conditions: Prisma.AuditEventWhereInput[] = [];

  if (scope.kind === "organization") {
    conditions.push({ orgId: scope.orgId });
  } else if (filter.org !== undefined) {
    if (!directory) {
      throw new InvalidAuditQueryError({
        org: ["This audit log has no organization directory to look slugs up in."],
      });
    }
    const orgId = await directory.orgIdBySlug(filter.org, db);
    if (orgId === null) throw new InvalidAuditQueryError({ org: ["No organization has this slug."] });
    resolved.orgId = orgId;
    conditions.push({ orgId });
  }

  if (filter.actor !== undefined) {
    resolved.actorId = await resolveActorId(filter.actor, db, directory);
    // A condition no row meets (actorId is never the empty string): the query still runs, so an
    // unknown email costs the same as a known one.
    conditions.push({ actorId: resolved.actorId ?? "" });
  }

  if (filter.action !== undefined) {
    resolved.action = filter.action;
    const exact = (AUDIT_ACTIONS as readonly string[]).includes(filter.action);
    const hasChildren = AUDIT_ACTIONS.some((action) => action.startsWith(`${filter.action}.`));
    conditions.push(
      exact && !hasChildren
        ? { action: filter.action }
        : { OR: [{ action: filter.action }, { action: { startsWith: `${escapeLike(filter.action)}.` } }] },
    );
  }

  if (filter.from !== undefined) resolved.from = parseBound(filter.from, "from") ?? undefined;
  if (filter.to !== undefined) resolved.until = parseBound(filter.to, "to") ?? undefined;
  if (resolved.from || resolved.until) {
    conditions.push({
      at: { ...(resolved.from && { gte: resolved.from }), ...(resolved.until && { lt: resolved.until }) },
    });
  }

  return { where: { AND: conditions }, resolved };
}

/** Prisma's startsWith is SQL LIKE and leaves % and _ live (prisma/prisma#19506): "sign_in" must not match "signXin". */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

async function resolveActorId(
  actor: string,
  db: PrismaClient,
  directory: AuditDirectory | undefined,
): Promise<string | null> {
  if (UUID_PATTERN.test(actor)) return actor.toLowerCase();
  if (actor.includes("@")) {
    if (!directory) {
      throw new InvalidAuditQueryError({
        actor: ["Filter by the user's id: this audit log has no user directory to look emails up in."],
      });
    }
    return directory.userIdByEmail(actor.trim().toLowerCase(), db);
  }
  // A system actor's name, or a pseudonym copied from another event.
  return actor;
}

// --- The cursor --------------------------------------------------------------------------------

/** A position in the log, newest first: `older` pages start after it, `newer` pages before it. */
interface AuditCursor {
  direction: "older" | "newer";
  at: Date;
  id: string;
}

// Opaque to clients: base64url of "o|n:<at in ms>:<event id>". It only names a position: the scope
// and the filter are applied again on every page, so a made-up cursor can move through the caller's
// own events and nothing else.
const CURSOR_TEXT = /^([on]):(\d{1,15}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeAuditCursor(cursor: AuditCursor): string {
  const text = `${cursor.direction === "older" ? "o" : "n"}:${cursor.at.getTime()}:${cursor.id}`;
  return Buffer.from(text).toString("base64url");
}

function cursorAt(direction: AuditCursor["direction"], row: { at: Date; id: string }): string {
  return encodeAuditCursor({ direction, at: row.at, id: row.id });
}

/** Throws InvalidAuditQueryError (400) for anything encodeAuditCursor did not make. */
export function decodeAuditCursor(value: string): AuditCursor {
  const invalid = () =>
    new InvalidAuditQueryError({ cursor: ["This page link is not valid. Start again from the first page."] });
  if (value.length > 200 || !/^[A-Za-z0-9_-]+$/.test(value)) throw invalid();
  const match = CURSOR_TEXT.exec(Buffer.from(value, "base64url").toString("utf8"));
  if (!match) throw invalid();
  const at = new Date(Number(match[2]));
  if (Number.isNaN(at.getTime())) throw invalid();
  return { direction: match[1] === "o" ? "older" : "newer", at, id: match[3] as string };
}

/** Events after `position` in newest-first order (older ones). */
export function olderThan(position: { at: Date; id: string }): Prisma.AuditEventWhereInput {
  return { OR: [{ at: { lt: position.at } }, { at: position.at, id: { lt: position.id } }] };
}

function newerThan(position: { at: Date; id: string }): Prisma.AuditEventWhereInput {
  return { OR: [{ at: { gt: position.at } }, { at: position.at, id: { gt: position.id } }] };
}

export const NEWEST_FIRST: Prisma.AuditEventOrderByWithRelationInput[] = [{ at: "desc" }, { id: "desc" }];
const OLDEST_FIRST: Prisma.AuditEventOrderByWithRelationInput[] = [{ at: "asc" }, { id: "asc" }];

// --- Listing -----------------------------------------------------------------------------------

export const AUDIT_EVENT_COLUMNS = {
  id: true,
  chain: true,
  seq: true,
  at: true,
  actorType: true,
  actorId: true,
  actorIp: true,
  actorUserAgent: true,
  orgId: true,
  action: true,
  targetType: true,
  targetId: true,
  metadata: true,
  requestId: true,
  prevHash: true,
  hash: true,
} as const satisfies Prisma.AuditEventSelect;

type AuditEventRow = Prisma.AuditEventGetPayload<{ select: typeof AUDIT_EVENT_COLUMNS }>;

export interface ListAuditEventsOptions {
  /** From a previous page's nextCursor or previousCursor; none for the newest page. */
  cursor?: string | null;
  /** Events per page: 50 by default, at most 200. */
  limit?: number;
  db?: PrismaClient;
  /** Emails and slugs, in the events and the filter; none: ids only (AuditDirectory). */
  directory?: AuditDirectory;
}

/**
 * One page of the audit log, newest first, within `scope` and matching `filter`. Pages are keyed on
 * (at, id), a total order, so paging never skips or repeats an event that existed when the first
 * page was read. Throws InvalidAuditQueryError (status 400) for a malformed filter or cursor.
 */
export async function listAuditEvents(
  scope: AuditViewScope,
  filter: AuditFilter,
  options: ListAuditEventsOptions = {},
): Promise<AuditEventPage> {
  const db = options.db ?? getDb();
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? AUDIT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
  const position = options.cursor ? decodeAuditCursor(options.cursor) : null;
  const { where } = await resolveAuditQuery(scope, filter, db, options.directory);
  const exists = async (condition: Prisma.AuditEventWhereInput) =>
    (await db.auditEvent.findFirst({ where: { AND: [where, condition] }, select: { id: true } })) !== null;

  if (position?.direction === "newer") {
    const newer = await db.auditEvent.findMany({
      where: { AND: [where, newerThan(position)] },
      orderBy: OLDEST_FIRST,
      take: limit + 1,
      select: AUDIT_EVENT_COLUMNS,
    });
    // A page's worth or less above the position: that is the first page; show it whole.
    if (newer.length <= limit) return listAuditEvents(scope, filter, { ...options, cursor: null });
    const rows = newer.slice(0, limit).reverse();
    const last = rows.at(-1) as AuditEventRow;
    return {
      events: await presentAuditEvents(rows, db, options.directory),
      previousCursor: cursorAt("newer", rows[0] as AuditEventRow),
      nextCursor: (await exists(olderThan(last))) ? cursorAt("older", last) : null,
    };
  }

  const fetched = await db.auditEvent.findMany({
    where: position ? { AND: [where, olderThan(position)] } : where,
    orderBy: NEWEST_FIRST,
    take: limit + 1,
    select: AUDIT_EVENT_COLUMNS,
  });
  const rows = fetched.slice(0, limit);
  const last = rows.at(-1);
  const anchor = rows[0] ?? position;
  return {
    events: await presentAuditEvents(rows, db, options.directory),
    nextCursor: fetched.length > limit && last ? cursorAt("older", last) : null,
    previousCursor:
      position && anchor && (await exists(newerThan(anchor))) ? cursorAt("newer", anchor) : null,
  };
}

// --- Presentation ------------------------------------------------------------------------------

/**
 * Rows into their public shape, with the emails of users who still exist and the orgs' slugs when
 * there is a directory (else null).
 */
export async function presentAuditEvents(
  rows: AuditEventRow[],
  db: PrismaClient,
  directory?: AuditDirectory,
): Promise<AuditEventView[]> {
  const userIds = new Set<string>();
  const orgIds = new Set<string>();
  for (const row of rows) {
    if (row.actorType === "USER" && row.actorId && UUID_PATTERN.test(row.actorId)) userIds.add(row.actorId);
    if (row.targetType === "user" && row.targetId && UUID_PATTERN.test(row.targetId))
      userIds.add(row.targetId);
    if (row.orgId) orgIds.add(row.orgId);
  }
  const none = new Map<string, string>();
  const [emails, slugs] = directory
    ? await Promise.all([
        userIds.size > 0 ? directory.userEmails([...userIds], db) : none,
        orgIds.size > 0 ? directory.orgSlugs([...orgIds], db) : none,
      ])
    : [null, none];

  return rows.map((row) => ({
    id: row.id,
    at: row.at.toISOString(),
    action: row.action,
    actor: actorView(row, emails),
    ip: row.actorIp,
    userAgent: row.actorUserAgent,
    org: row.orgId ? { id: row.orgId, slug: slugs.get(row.orgId) ?? null } : null,
    target:
      row.targetType && row.targetId
        ? {
            type: row.targetType,
            id: row.targetId,
            label: row.targetType === "user" ? (emails?.get(row.targetId) ?? null) : null,
          }
        : null,
    metadata: isPlainObject(row.metadata) ? row.metadata : {},
    requestId: row.requestId,
    chain: row.chain,
    seq: Number(row.seq),
    prevHash: row.prevHash,
    hash: row.hash,
  }));
}

/** `emails` is null without a directory: a user is then shown by id, not as unknown. */
function actorView(row: AuditEventRow, emails: Map<string, string> | null): AuditActorView {
  const id = row.actorId;
  if (row.actorType === "ANONYMOUS") {
    return { type: "ANONYMOUS", id: null, email: null, pseudonymized: false, label: "anonymous" };
  }
  if (row.actorType === "SYSTEM") {
    return { type: "SYSTEM", id, email: null, pseudonymized: false, label: `system: ${id}` };
  }
  if (id?.startsWith(PSEUDONYM_PREFIX)) {
    return { type: "USER", id, email: null, pseudonymized: true, label: "deleted user" };
  }
  if (emails === null) return { type: "USER", id, email: null, pseudonymized: false, label: `user ${id}` };
  const email = id ? (emails.get(id) ?? null) : null;
  return { type: "USER", id, email, pseudonymized: false, label: email ?? `unknown user ${id}` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
