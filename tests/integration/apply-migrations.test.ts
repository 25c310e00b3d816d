import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { applyMigrations, findPendingMigrations, MigrationError } from "@/tools/db/apply-migrations";
import { createScratchDatabase, runSql, type ScratchDatabase } from "../support/db";

let database: ScratchDatabase;
let migrationsDir: string;

beforeAll(async () => {
  database = await createScratchDatabase();
});
afterAll(async () => {
  await database.drop();
});
beforeEach(async () => {
  await database.empty();
  migrationsDir = await mkdtemp(path.join(tmpdir(), "shipshape-migrations-"));
});
afterEach(async () => {
  await rm(migrationsDir, { recursive: true, force: true });
});

async function writeMigration(name: string, sql: string): Promise<void> {
  await mkdir(path.join(migrationsDir, name), { recursive: true });
  await writeFile(path.join(migrationsDir, name, "migration.sql"), sql);
}

async function rows<T>(sql: string): Promise<T[]> {
  return (await runSql(database.url, sql)).rows as T[];
}

const apply = () => applyMigrations({ databaseUrl: database.url, migrationsDir });

describe("applyMigrations", () => {
  it("applies migrations in name order, then only new ones", async () => {
    // The second depends on the first: applying out of order would fail.
    await writeMigration("20250102000000_add_column", 'ALTER TABLE "Thing" ADD COLUMN "label" TEXT;');
    await writeMigration("20250101000000_create", 'CREATE TABLE "Thing" ("id" SERIAL PRIMARY KEY);');
    await writeFile(path.join(migrationsDir, "migration_lock.toml"), 'provider = "postgresql"\n');

    expect(await findPendingMigrations({ databaseUrl: database.url, migrationsDir })).toEqual({
      pending: ["20250101000000_create", "20250102000000_add_column"],
    });
    expect(await apply()).toEqual({ applied: ["20250101000000_create", "20250102000000_add_column"] });
    expect(await apply()).toEqual({ applied: [] });

    await writeMigration("20250103000000_insert", `INSERT INTO "Thing" ("label") VALUES ('one');`);
    expect(await findPendingMigrations({ databaseUrl: database.url, migrationsDir })).toEqual({
      pending: ["20250103000000_insert"],
    });
    expect(await apply()).toEqual({ applied: ["20250103000000_insert"] });
    expect(await rows('SELECT "label" FROM "Thing"')).toEqual([{ label: "one" }]);
  });

  it("writes _prisma_migrations exactly as Prisma does", async () => {
    const sql = 'CREATE TABLE "Thing" ("id" SERIAL PRIMARY KEY);\n-- ünïcode comment\n';
    await writeMigration("20250101000000_create", sql);
    await apply();

    // Prisma's DDL for the table (schema engine, PostgreSQL connector).
    expect(
      await rows(`SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
                  FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`),
    ).toEqual([
      {
        column_name: "id",
        data_type: "character varying",
        length: 36,
        is_nullable: "NO",
        column_default: null,
      },
      {
        column_name: "checksum",
        data_type: "character varying",
        length: 64,
        is_nullable: "NO",
        column_default: null,
      },
      {
        column_name: "finished_at",
        data_type: "timestamp with time zone",
        length: null,
        is_nullable: "YES",
        column_default: null,
      },
      {
        column_name: "migration_name",
        data_type: "character varying",
        length: 255,
        is_nullable: "NO",
        column_default: null,
      },
      { column_name: "logs", data_type: "text", length: null, is_nullable: "YES", column_default: null },
      {
        column_name: "rolled_back_at",
        data_type: "timestamp with time zone",
        length: null,
        is_nullable: "YES",
        column_default: null,
      },
      {
        column_name: "started_at",
        data_type: "timestamp with time zone",
        length: null,
        is_nullable: "NO",
        column_default: "now()",
      },
      {
        column_name: "applied_steps_count",
        data_type: "integer",
        length: null,
        is_nullable: "NO",
        column_default: "0",
      },
    ]);

    const [row] = await rows<Record<string, unknown>>("SELECT * FROM _prisma_migrations");
    expect(row).toMatchObject({
      migration_name: "20250101000000_create",
      checksum: createHash("sha256").update(sql, "utf8").digest("hex"),
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(row?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(row?.finished_at).toBeInstanceOf(Date);
    expect((row?.finished_at as Date) >= (row?.started_at as Date)).toBe(true);
  });

  it("refuses to go on when an applied migration was edited", async () => {
    await writeMigration("20250101000000_create", 'CREATE TABLE "Thing" ("id" SERIAL PRIMARY KEY);');
    await apply();
    await writeMigration("20250101000000_create", 'CREATE TABLE "Thing" ("id" BIGSERIAL PRIMARY KEY);');
    await writeMigration("20250102000000_next", 'CREATE TABLE "Other" ("id" SERIAL PRIMARY KEY);');

    const edited = apply();
    await expect(edited).rejects.toThrow(MigrationError);
    await expect(edited).rejects.toThrow(/20250101000000_create was changed after it was applied/);
    expect(await rows("SELECT to_regclass('\"Other\"') AS other")).toEqual([{ other: null }]);
  });

  it("records a failed migration, rolls back its statements, and refuses to go on until it is resolved", async () => {
    await writeMigration("20250101000000_ok", 'CREATE TABLE "First" ("id" SERIAL PRIMARY KEY);');
    await writeMigration(
      "20250102000000_broken",
      'CREATE TABLE "Second" ("id" SERIAL PRIMARY KEY);\nSELECT no_such_column FROM "First";',
    );
    await writeMigration("20250103000000_after", 'CREATE TABLE "Third" ("id" SERIAL PRIMARY KEY);');

    await expect(apply()).rejects.toThrow(
      /Migration 20250102000000_broken failed: column "no_such_column" does not exist/,
    );
    expect(
      await rows(
        "SELECT migration_name, finished_at IS NULL AS unfinished, logs FROM _prisma_migrations ORDER BY migration_name",
      ),
    ).toEqual([
      { migration_name: "20250101000000_ok", unfinished: false, logs: null },
      {
        migration_name: "20250102000000_broken",
        unfinished: true,
        logs: expect.stringContaining("no_such_column"),
      },
    ]);
    expect(await rows(`SELECT to_regclass('"Second"') AS second, to_regclass('"Third"') AS third`)).toEqual([
      { second: null, third: null },
    ]);

    // Until someone resolves it, nothing else is applied, and the message says how.
    await expect(apply()).rejects.toThrow(
      /20250102000000_broken failed earlier.*migrate resolve --rolled-back/s,
    );

    // What `prisma migrate resolve --rolled-back` does; then the fixed migration and the rest apply.
    await runSql(
      database.url,
      "UPDATE _prisma_migrations SET rolled_back_at = now() WHERE finished_at IS NULL",
    );
    await writeMigration("20250102000000_broken", 'CREATE TABLE "Second" ("id" SERIAL PRIMARY KEY);');
    expect(await apply()).toEqual({ applied: ["20250102000000_broken", "20250103000000_after"] });
  });

  it("lets concurrent appliers apply each migration exactly once", async () => {
    const names = ["20250101000000_a", "20250102000000_b", "20250103000000_c"];
    for (const name of names) {
      // Not idempotent: a second run of any of these fails with "already exists".
      await writeMigration(name, `CREATE TABLE "${name}" ("id" SERIAL PRIMARY KEY);\nSELECT pg_sleep(0.1);`);
    }

    const results = await Promise.all([apply(), apply(), apply()]);

    expect(results.flatMap((result) => result.applied).sort()).toEqual(names);
    expect(
      await rows(
        "SELECT migration_name, count(*)::int AS count FROM _prisma_migrations GROUP BY 1 ORDER BY 1",
      ),
    ).toEqual(names.map((name) => ({ migration_name: name, count: 1 })));
  });

  it("explains a migration folder without migration.sql", async () => {
    await mkdir(path.join(migrationsDir, "20250101000000_empty"));
    await expect(apply()).rejects.toThrow(/20250101000000_empty has no migration\.sql/);
  });
});
