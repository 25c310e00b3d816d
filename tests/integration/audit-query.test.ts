import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AUDIT_CSV_COLUMNS,
  type AuditEventInput,
  type AuditEventView,
  type AuditFilter,
  type AuditViewScope,
  exportAuditEventsCsv,
  InvalidAuditQueryError,
  listAuditEvents,
  pseudonymizeAuditUser,
  recordAuditEvent,
} from "@/lib/audit";
import { auditDirectory } from "@/lib/audit/directory";
import { auditPseudonym } from "@/lib/privacy";
import { testDb } from "../support/db";
import { createTestUser } from "../support/users";

/** A real organization (the platform view shows its slug) with a scope for its admins. */
async function newOrg() {
  const slug = `audit-${randomUUID().slice(0, 8)}`;
  const org = await testDb().organization.create({ data: { slug, name: `Org ${slug}` } });
  return { org, scope: { kind: "organization", orgId: org.id } satisfies AuditViewScope };
}

async function record(orgId: string | null, overrides: Partial<AuditEventInput> = {}) {
  return recordAuditEvent(
    {
      action: "org.settings_changed",
      actor: { type: "USER", id: randomUUID() },
      ip: "203.0.113.9",
      userAgent: "vitest",
      orgId,
      metadata: { requireMfa: { from: false, to: true } },
      ...overrides,
    },
    testDb(),
  );
}

/** Every event a scope and filter reach, following nextCursor page by page. */
async function walk(scope: AuditViewScope, filter: AuditFilter, limit: number) {
  const pages: AuditEventView[][] = [];
  let cursor: string | null = null;
  do {
    const page = await listAuditEvents(scope, filter, {
      cursor,
      limit,
      db: testDb(),
      directory: auditDirectory,
    });
    pages.push(page.events);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

async function queryError(promise: Promise<unknown>): Promise<InvalidAuditQueryError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(InvalidAuditQueryError);
  return error as InvalidAuditQueryError;
}

/** RFC 4180 parsing, enough to read the export back: quoted cells, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(cell);
      cell = "";
    } else if (char === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += char;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}

describe("listAuditEvents", () => {
  it("pages through an organization's events newest first, with no gaps or duplicates, both ways", async () => {
    const { org, scope } = await newOrg();
    const recorded = [];
    for (let i = 0; i < 23; i++) recorded.push(await record(org.id));
    const newestFirst = recorded.map((event) => event.id).reverse();

    const pages = await walk(scope, {}, 5);
    expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat().map((event) => event.id)).toEqual(newestFirst);

    // Back from the last page to the first with previousCursor: the same pages in reverse.
    let page = await listAuditEvents(scope, {}, { limit: 5, db: testDb(), directory: auditDirectory });
    expect(page.previousCursor).toBeNull();
    const forward = [page.events.map((e) => e.id)];
    while (page.nextCursor) {
      page = await listAuditEvents(
        scope,
        {},
        { cursor: page.nextCursor, limit: 5, db: testDb(), directory: auditDirectory },
      );
      forward.push(page.events.map((e) => e.id));
    }
    const backward = [page.events.map((e) => e.id)];
    while (page.previousCursor) {
      page = await listAuditEvents(
        scope,
        {},
        { cursor: page.previousCursor, limit: 5, db: testDb(), directory: auditDirectory },
      );
      backward.unshift(page.events.map((e) => e.id));
    }
    expect(backward).toEqual(forward);
  });

  it("gives events that arrive while someone pages to the first page, not the one being read", async () => {
    const { org, scope } = await newOrg();
    for (let i = 0; i < 6; i++) await record(org.id);
    const first = await listAuditEvents(scope, {}, { limit: 3, db: testDb(), directory: auditDirectory });
    const arrived = await record(org.id);
    const second = await listAuditEvents(
      scope,
      {},
      { cursor: first.nextCursor, limit: 3, db: testDb(), directory: auditDirectory },
    );
    const ids = [...first.events, ...second.events].map((e) => e.id);
    expect(new Set(ids).size).toBe(6);
    expect(ids).not.toContain(arrived.id);
    expect(second.nextCursor).toBeNull();
  });

  it("filters by actor id or email, by action or action prefix, and by dates", async () => {
    const { org, scope } = await newOrg();
    const ada = await createTestUser();
    const adaActor = { type: "USER", id: ada.id } as const;
    const signIn = await record(org.id, { actor: adaActor, action: "auth.sign_in.succeeded" });
    const role = await record(org.id, { actor: adaActor, action: "membership.role_changed" });
    const other = await record(org.id, { action: "auth.sign_in.failed" });
    const ids = async (filter: AuditFilter) =>
      (await listAuditEvents(scope, filter, { db: testDb(), directory: auditDirectory })).events.map(
        (e) => e.id,
      );

    expect(await ids({ actor: ada.id })).toEqual([role.id, signIn.id]);
    expect(await ids({ actor: ada.id.toUpperCase() })).toEqual([role.id, signIn.id]);
    expect(await ids({ actor: `  ${ada.email.toUpperCase()} ` })).toEqual([role.id, signIn.id]);
    // An email nobody has matches nothing, without saying whether the account exists.
    expect(await ids({ actor: "nobody-at-all@example.com" })).toEqual([]);

    expect(await ids({ action: "auth.sign_in.failed" })).toEqual([other.id]);
    expect(await ids({ action: "auth" })).toEqual([other.id, signIn.id]);
    expect(await ids({ action: "auth.sign_in.*" })).toEqual([other.id, signIn.id]);
    expect(await ids({ action: "membership." })).toEqual([role.id]);
    expect(await ids({ actor: ada.email, action: "auth" })).toEqual([signIn.id]);

    // Instants are inclusive at both ends; a day covers the whole UTC day.
    const atRole = (
      await listAuditEvents(
        scope,
        { from: role.at.toISOString(), to: role.at.toISOString() },
        { db: testDb(), directory: auditDirectory },
      )
    ).events;
    expect(atRole.map((e) => e.id)).toContain(role.id);
    expect(atRole.every((e) => e.at === role.at.toISOString())).toBe(true);
    expect(await ids({ from: other.at.toISOString() })).toContain(other.id);
    expect(await ids({ to: new Date(+signIn.at - 1).toISOString() })).toEqual([]);
    const today = signIn.at.toISOString().slice(0, 10);
    expect(await ids({ from: today, to: today })).toHaveLength(3);
    const yesterday = new Date(+signIn.at - 86_400_000).toISOString().slice(0, 10);
    expect(await ids({ to: yesterday })).toEqual([]);
  });

  it("answers a malformed filter with the fields to fix", async () => {
    const { scope } = await newOrg();
    const list = (filter: AuditFilter) =>
      listAuditEvents(scope, filter, { db: testDb(), directory: auditDirectory });
    expect((await queryError(list({ action: "auth.nonsense" }))).fields).toHaveProperty("action");
    expect((await queryError(list({ action: "'; DROP TABLE" }))).fields).toHaveProperty("action");
    expect((await queryError(list({ from: "yesterday" }))).fields).toHaveProperty("from");
    expect((await queryError(list({ from: "2026-02-31" }))).fields).toHaveProperty("from");
    expect((await queryError(list({ from: "2026-03-02", to: "2026-03-01" }))).fields).toHaveProperty("to");
    const error = await queryError(list({ action: "nope" }));
    expect(error).toMatchObject({ status: 400, code: "invalid_input" });
    // Blank fields, as an empty GET form sends them, are no filter at all.
    await expect(list({ actor: "", action: " ", from: "", to: "" })).resolves.toMatchObject({ events: [] });
  });

  it("refuses a forged or damaged cursor with a 400, and a valid one never leaves the scope", async () => {
    const a = await newOrg();
    const b = await newOrg();
    for (let i = 0; i < 4; i++) {
      await record(a.org.id);
      await record(b.org.id);
    }
    for (const cursor of [
      "not a cursor",
      "eyJhdCI6MX0",
      Buffer.from("o:abc:123").toString("base64url"),
      Buffer.from(`x:1:${randomUUID()}`).toString("base64url"),
      "A".repeat(500),
    ]) {
      const error = await queryError(
        listAuditEvents(a.scope, {}, { cursor, db: testDb(), directory: auditDirectory }),
      );
      expect(error).toMatchObject({ status: 400, fields: { cursor: [expect.stringMatching(/not valid/)] } });
    }
    // A cursor taken from organization B's log, used on A's: it only positions within A's events.
    const fromB = await listAuditEvents(b.scope, {}, { limit: 1, db: testDb(), directory: auditDirectory });
    const onA = await listAuditEvents(
      a.scope,
      {},
      { cursor: fromB.nextCursor, db: testDb(), directory: auditDirectory },
    );
    expect(onA.events.every((event) => event.org?.id === a.org.id)).toBe(true);
  });

  it("keeps each organization's admins inside their organization, whatever the filter", async () => {
    const a = await newOrg();
    const b = await newOrg();
    const shared = await createTestUser();
    await record(a.org.id, { actor: { type: "USER", id: shared.id } });
    const inB = await record(b.org.id, { actor: { type: "USER", id: shared.id } });
    await record(null, { actor: { type: "USER", id: shared.id }, action: "auth.sign_in.succeeded" });

    for (const filter of [{}, { actor: shared.id }, { actor: shared.email }, { action: "auth" }]) {
      const events = (await walk(a.scope, filter, 50)).flat();
      expect(events.map((event) => event.org?.id)).toEqual(events.map(() => a.org.id));
      expect(events.map((event) => event.id)).not.toContain(inB.id);
    }
    // The platform view sees all three, and can narrow to one organization by slug.
    const platform = { kind: "platform" } as const;
    expect((await walk(platform, { actor: shared.id }, 50)).flat()).toHaveLength(3);
    expect(
      (
        await listAuditEvents(
          platform,
          { actor: shared.id, org: b.org.slug },
          { db: testDb(), directory: auditDirectory },
        )
      ).events,
    ).toEqual([expect.objectContaining({ id: inB.id, org: { id: b.org.id, slug: b.org.slug } })]);
    const unknownOrg = await queryError(
      listAuditEvents(platform, { org: "no-such-org-here" }, { db: testDb(), directory: auditDirectory }),
    );
    expect(unknownOrg.fields).toHaveProperty("org");
  });

  it("shows actors by their current email, and deleted users as pseudonymized", async () => {
    const { org, scope } = await newOrg();
    const ada = await createTestUser();
    const gone = await createTestUser();
    await record(org.id, { actor: { type: "USER", id: gone.id } });
    await record(org.id, { actor: { type: "SYSTEM", id: "audit-retention" } });
    await record(org.id, { actor: { type: "ANONYMOUS" } });
    await record(org.id, { actor: { type: "USER", id: ada.id }, target: { type: "user", id: gone.id } });
    await testDb().$transaction(async (tx) => {
      await pseudonymizeAuditUser(gone.id, tx);
      await tx.user.delete({ where: { id: gone.id } });
    });

    const { events } = await listAuditEvents(scope, {}, { db: testDb(), directory: auditDirectory });
    expect(events.map((event) => [event.actor.label, event.actor.pseudonymized])).toEqual([
      [ada.email, false],
      ["anonymous", false],
      ["system: audit-retention", false],
      ["deleted user", true],
    ]);
    // A deleted user as the target: their id replaced by the same pseudonym, and no email.
    expect(events[0]?.target).toEqual({ type: "user", id: auditPseudonym(gone.id), label: null });
    expect(events[0]?.actor.label).toBe(ada.email);
    expect(events[3]?.actor.id).toMatch(/^pseudonym:[0-9a-f]{64}$/);
    // The public shape: these keys and no others.
    expect(Object.keys(events[0] as object).sort()).toEqual([
      "action",
      "actor",
      "at",
      "chain",
      "hash",
      "id",
      "ip",
      "metadata",
      "org",
      "prevHash",
      "requestId",
      "seq",
      "target",
      "userAgent",
    ]);
  });
});

describe("exportAuditEventsCsv", () => {
  async function download(exported: { body: ReadableStream<Uint8Array> }) {
    return new Response(exported.body).text();
  }

  it("streams the filtered set as CSV that a spreadsheet can't run, and audits the export", async () => {
    const { org, scope } = await newOrg();
    const exporter = await createTestUser();
    const ada = await createTestUser();
    await record(org.id, {
      actor: { type: "USER", id: ada.id },
      userAgent: '=HYPERLINK("http://evil.example","click")',
      metadata: { note: 'a "quoted", comma\nand a line break', formula: "@SUM(A1)" },
    });
    await record(org.id, {
      actor: { type: "USER", id: ada.id },
      userAgent: "-2+3",
      action: "membership.removed",
    });
    await record(org.id, { action: "project.deleted" });
    const other = await newOrg();
    await record(other.org.id, { actor: { type: "USER", id: ada.id } });

    const exported = await exportAuditEventsCsv({
      scope,
      filter: { actor: ada.email },
      exportedBy: { userId: exporter.id, ip: "198.51.100.4", userAgent: "vitest" },
      batchSize: 1,
      db: testDb(),
      directory: auditDirectory,
    });
    expect(exported).toMatchObject({ rows: 2, truncated: false });
    const text = await download(exported);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(rows).toHaveLength(3);
    const column = (name: (typeof AUDIT_CSV_COLUMNS)[number]) => AUDIT_CSV_COLUMNS.indexOf(name);
    const [removed, changed] = rows.slice(1) as string[][];
    expect(removed?.[column("action")]).toBe("membership.removed");
    expect(removed?.[column("user_agent")]).toBe("'-2+3");
    expect(changed?.[column("user_agent")]).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(changed?.[column("actor_email")]).toBe(ada.email);
    expect(changed?.[column("org_slug")]).toBe(org.slug);
    expect(JSON.parse(changed?.[column("metadata")] as string)).toEqual({
      note: 'a "quoted", comma\nand a line break',
      formula: "@SUM(A1)",
    });
    expect(text).not.toMatch(/(^|,)[=+\-@]/m);

    // The export itself is in the organization's log. The user filtered on is its target (where their
    // hard delete finds them), never in the metadata, which holds the rest of the filter.
    const audit = await testDb().auditEvent.findFirstOrThrow({
      where: { action: "audit.exported", orgId: org.id },
    });
    expect(audit).toMatchObject({
      actorId: exporter.id,
      actorIp: "198.51.100.4",
      targetType: "user",
      targetId: ada.id,
    });
    expect(audit.metadata).toMatchObject({
      format: "csv",
      scope: "organization",
      filter: { actorId: "(the target user)" },
      rows: 2,
      truncated: false,
    });
    expect(JSON.stringify(audit.metadata)).not.toContain(ada.email);
  });

  it("stops at the cap, says so in the file, and records the truncation", async () => {
    const { org, scope } = await newOrg();
    const exporter = await createTestUser();
    for (let i = 0; i < 7; i++) await record(org.id);
    const newest = await listAuditEvents(scope, {}, { limit: 4, db: testDb(), directory: auditDirectory });

    const exported = await exportAuditEventsCsv({
      scope,
      filter: {},
      exportedBy: { userId: exporter.id },
      maxRows: 4,
      batchSize: 3,
      db: testDb(),
      directory: auditDirectory,
    });
    expect(exported).toMatchObject({ rows: 4, truncated: true, maxRows: 4 });
    const lines = (await download(exported)).split("\r\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.at(-2)).toMatch(/^# truncated: this file holds the newest 4 matching events only/);
    const rows = parseCsv(lines.slice(0, -2).join("\r\n"));
    expect(rows.slice(1).map((row) => row[AUDIT_CSV_COLUMNS.indexOf("hash")])).toEqual(
      newest.events.map((event) => event.hash),
    );
    const audit = await testDb().auditEvent.findFirstOrThrow({
      where: { action: "audit.exported", orgId: org.id },
    });
    expect(audit.metadata).toMatchObject({ rows: 4, truncated: true, maxRows: 4 });
  });

  it("leaves out its own audit event and whatever happens after it started", async () => {
    const { org, scope } = await newOrg();
    const exporter = await createTestUser();
    await record(org.id);
    const exported = await exportAuditEventsCsv({
      scope,
      filter: {},
      exportedBy: { userId: exporter.id },
      db: testDb(),
      directory: auditDirectory,
    });
    await record(org.id);
    const rows = parseCsv(await download(exported));
    expect(rows).toHaveLength(2);
    expect(rows[1]?.[AUDIT_CSV_COLUMNS.indexOf("action")]).toBe("org.settings_changed");
  });

  it("refuses a bad filter before anything is exported or audited", async () => {
    const { org, scope } = await newOrg();
    const exporter = await createTestUser();
    await queryError(
      exportAuditEventsCsv({
        scope,
        filter: { action: "nope" },
        exportedBy: { userId: exporter.id },
        db: testDb(),
        directory: auditDirectory,
      }),
    );
    expect(await testDb().auditEvent.count({ where: { action: "audit.exported", orgId: org.id } })).toBe(0);
  });
});
