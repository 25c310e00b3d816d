// lib/audit copied into an app on its own: its models (lib/audit/audit.prisma) and its one SQL file
// (lib/audit/sql/audit.sql) give a database exactly what this repository's migrations give it, and
// the module works there with no User or Organization table and no viewer directory.
//
// Database A is this worker's test database (every migration applied). Database B is a bare one: the
// tables Prisma creates from audit.prisma alone (`migrate diff --from-empty`, through the offline
// CLI), then audit.sql applied twice the documented way (lib/db/sql-file.ts). Their audit tables,
// functions, triggers and function privileges must be the same, so the file can't drift from the
// migrations (a new migration that changes an audit function fails here until audit.sql follows).

import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidAuditQueryError,
  listAuditEvents,
  pseudonymizeAuditUser,
  recordAuditEvent,
  setAuditUserIdLookup,
  verifyAuditChains,
} from "@/lib/audit";
import { auditUserIdLookup } from "@/lib/auth/audit-user-ids";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { createScratchDatabase, runSql, type ScratchDatabase } from "../support/db";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
const AUDIT_PRISMA = path.join(REPO_ROOT, "lib/audit/audit.prisma");
const AUDIT_SQL = path.join(REPO_ROOT, "lib/audit/sql/audit.sql");
// Each run of the Prisma CLI or tsx starts Node (and the CLI the wasm engine): seconds on a busy machine.
const CLI_TIMEOUT_MS = 180_000;

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(TSX, args, { cwd: REPO_ROOT, env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function rows<T>(url: string, sql: string): Promise<T[]> {
  return (await runSql(url, sql)).rows as T[];
}

/** What the migrations (or the module's files) put in a database for lib/audit. */
async function auditCatalog(url: string) {
  return {
    columns: await rows(
      url,
      `SELECT table_name, column_name, data_type, is_nullable, column_default, numeric_precision, datetime_precision
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('AuditEvent', 'AuditCheckpoint')
       ORDER BY table_name, column_name`,
    ),
    indexes: await rows(
      url,
      `SELECT indexname, indexdef FROM pg_indexes
       WHERE schemaname = 'public' AND tablename IN ('AuditEvent', 'AuditCheckpoint') ORDER BY indexname`,
    ),
    enums: await rows(
      url,
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typname = 'AuditActorType' GROUP BY t.typname`,
    ),
    functions: await rows(
      url,
      `SELECT p.proname, pg_get_functiondef(p.oid) AS definition, p.proacl::text AS privileges
       FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'audit\\_%' ORDER BY p.proname`,
    ),
    triggers: await rows(
      url,
      `SELECT t.tgname, pg_get_triggerdef(t.oid) AS definition FROM pg_trigger t
       WHERE NOT t.tgisinternal AND t.tgrelid IN ('"AuditEvent"'::regclass, '"AuditCheckpoint"'::regclass)
       ORDER BY t.tgname`,
    ),
  };
}

let bare: ScratchDatabase;
let bareDb: PrismaClient;
let workDir: string;

beforeAll(async () => {
  bare = await createScratchDatabase();
  workDir = await mkdtemp(path.join(tmpdir(), "shipshape-audit-module-"));
  // The app's schema: its datasource, and the module's models as the module ships them.
  const schema = path.join(workDir, "schema.prisma");
  await writeFile(
    schema,
    `datasource db {\n  provider = "postgresql"\n}\n\n${await readFile(AUDIT_PRISMA, "utf8")}`,
  );
  const diff = await run(
    ["scripts/prisma.ts", "migrate", "diff", "--from-empty", "--to-schema", schema, "--script"],
    { DATABASE_URL: bare.url },
  );
  expect(diff.code, diff.stderr).toBe(0);
  await runSql(bare.url, diff.stdout);
  bareDb = createPrismaClient({ DATABASE_URL: bare.url, DATABASE_POOL_MAX: 2 });
}, CLI_TIMEOUT_MS);

afterAll(async () => {
  await bareDb?.$disconnect();
  await bare?.drop();
  await rm(workDir, { recursive: true, force: true });
});

describe("lib/audit's own files", () => {
  it(
    "audit.sql, applied with the documented command (twice), gives what the migrations give",
    async () => {
      for (let time = 0; time < 2; time++) {
        const applied = await run(["lib/db/sql-file.ts", AUDIT_SQL], { DATABASE_URL: bare.url });
        expect(applied.code, applied.stderr).toBe(0);
      }
      const migrated = await auditCatalog(process.env.DATABASE_URL as string);
      const fromModule = await auditCatalog(bare.url);
      expect(migrated.functions.map((fn) => (fn as { proname: string }).proname)).toEqual([
        "audit_keyed_change",
        "audit_metadata_redaction",
        "audit_prune_chain",
        "audit_pseudonymize_user",
        "audit_redact_events",
        "audit_refuse_change",
      ]);
      expect(migrated.triggers).toHaveLength(4);
      expect(fromModule).toEqual(migrated);
    },
    CLI_TIMEOUT_MS,
  );

  it("audit.prisma holds the same models as prisma/schema.prisma, word for word", async () => {
    const moduleModels = (await readFile(AUDIT_PRISMA, "utf8")).replace(/^(\/\/[^\n]*\n)+\n/, "");
    const schema = await readFile(path.join(REPO_ROOT, "prisma/schema.prisma"), "utf8");
    expect(moduleModels).toMatch(/^\/\/\/ Who performed an audited action\.\nenum AuditActorType/);
    expect(schema).toContain(moduleModels.trimEnd());
    expect(moduleModels).not.toMatch(/@relation|datasource|generator/);
  });

  it(
    "a failing SQL file applies nothing",
    async () => {
      const broken = path.join(workDir, "broken.sql");
      await writeFile(broken, 'CREATE TABLE "Half" (id int);\nSELECT no_such_function();\n');
      const applied = await run(["lib/db/sql-file.ts", broken], { DATABASE_URL: bare.url });
      expect(applied.code).toBe(1);
      expect(applied.stderr).toMatch(
        /broken\.sql was not applied \(nothing of it was kept\): .*no_such_function/,
      );
      expect(await rows(bare.url, `SELECT to_regclass('"Half"') AS half`)).toEqual([{ half: null }]);
    },
    CLI_TIMEOUT_MS,
  );
});

describe("lib/audit in a database with only its own tables", () => {
  it("records, lists, pseudonymizes and verifies, with no User or Organization table and no directory", async () => {
    // The app registers no user-id lookup (it has no lib/auth): a UUID in metadata is a detail like any.
    setAuditUserIdLookup(null);
    try {
      const orgId = randomUUID();
      const userId = randomUUID();
      const recorded = await recordAuditEvent(
        {
          action: "org.settings_changed",
          actor: { type: "USER", id: userId },
          ip: "unknown",
          orgId,
          target: { type: "user", id: userId },
          metadata: { projectId: randomUUID() },
        },
        bareDb,
      );
      expect(recorded.seq).toBe(1);

      const scope = { kind: "organization", orgId } as const;
      const { events } = await listAuditEvents(scope, { actor: userId }, { db: bareDb });
      expect(events).toEqual([
        expect.objectContaining({
          id: recorded.id,
          actor: { type: "USER", id: userId, email: null, pseudonymized: false, label: `user ${userId}` },
          org: { id: orgId, slug: null },
          target: { type: "user", id: userId, label: null },
          ip: null,
        }),
      ]);
      // What needs the directory says so, as a 400 on the field, instead of failing on a missing table.
      for (const [filter, field] of [
        [{ actor: "someone@example.com" }, "actor"],
        [{ org: "acme" }, "org"],
      ] as const) {
        const scopeFor = field === "org" ? ({ kind: "platform" } as const) : scope;
        const error = await listAuditEvents(scopeFor, filter, { db: bareDb }).catch(
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(InvalidAuditQueryError);
        expect(Object.keys((error as InvalidAuditQueryError).fields)).toEqual([field]);
      }

      expect(await pseudonymizeAuditUser(userId, bareDb)).toEqual({ asActor: 1, asTarget: 1 });
      expect(await verifyAuditChains({ db: bareDb })).toMatchObject({ ok: true, checked: 1 });
      // The trigger from audit.sql: the log is append-only here too.
      await expect(bareDb.$executeRaw`UPDATE "AuditEvent" SET action = 'x'`).rejects.toThrow(/append-only/);
    } finally {
      setAuditUserIdLookup(auditUserIdLookup);
    }
  });
});
