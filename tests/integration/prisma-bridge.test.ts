// The offline Prisma path end to end: scripts/prisma.ts runs the real Prisma CLI, which runs the
// schema-engine bridge (tools/prisma-schema-engine), against a real PostgreSQL. It works in a small
// throwaway project (its own prisma.config.ts and schema) and on scratch databases it drops at the end.
//
// It needs a real PostgreSQL server: TEST_DATABASE_URL, else DATABASE_URL, else the local default.
// PGlite cannot host it (one database whatever the name). Without a server it is skipped, saying why;
// with REQUIRE_SERVICES=1 that is a failure instead.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl, quoteIdentifier } from "../support/test-database";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
const DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres";
// Each Prisma CLI run starts Node, the CLI and the wasm engine: seconds each on a busy machine.
const CLI_TEST_TIMEOUT_MS = 180_000;

const PRISMA_CONFIG = `export default {
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL, shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL },
};
`;

const SCHEMA = `datasource db {
  provider = "postgresql"
}

model Note {
  id    Int    @id @default(autoincrement())
  title String
}
`;

// Hand-written, as a team adds triggers: the function body contains semicolons, which must reach
// PostgreSQL as one statement.
const TRIGGER_MIGRATION = `CREATE FUNCTION note_trim_title() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.title := trim(NEW.title);
  RETURN NEW;
END;
$$;
CREATE TRIGGER note_trim_title BEFORE INSERT ON "Note" FOR EACH ROW EXECUTE FUNCTION note_trim_title();
`;

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The first configured PostgreSQL server that answers and is not PGlite; null (with why) if none. */
async function findPostgresServer(): Promise<{ url: string | null; why: string }> {
  const candidates = [process.env.TEST_DATABASE_URL, process.env.DATABASE_URL, DEFAULT_SERVER_URL];
  const problems: string[] = [];
  for (const url of candidates.filter((candidate): candidate is string => Boolean(candidate))) {
    try {
      const version = await withClient(url, async (client) => {
        const { rows } = await client.query<{ version: string }>("SELECT version()");
        return rows[0]?.version ?? "";
      });
      if (!version.includes("PGlite")) return { url, why: "" };
      problems.push(`${new URL(url).host} is PGlite (one database only)`);
    } catch (error) {
      problems.push(`${new URL(url).host}: ${(error as Error).message}`);
    }
  }
  return { url: null, why: problems.join("; ") };
}

interface CliRun {
  code: number | null;
  output: string;
}

/** Runs a script of this repo with tsx in the throwaway project, as a developer would. */
function runScript(cwd: string, script: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const child = spawn(TSX, [path.join(REPO_ROOT, script), ...args], { cwd, env });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

const server = await findPostgresServer();
if (server.url === null) {
  const message = `No real PostgreSQL server reachable (${server.why}).`;
  if (process.env.REQUIRE_SERVICES === "1") throw new Error(`REQUIRE_SERVICES=1: ${message}`);
  console.warn(`Skipping the Prisma bridge tests: ${message} Set TEST_DATABASE_URL to run them.`);
}

describe.skipIf(server.url === null)(
  "Prisma CLI through scripts/prisma.ts and the schema-engine bridge",
  () => {
    const serverUrl = server.url ?? DEFAULT_SERVER_URL;
    const runId = randomBytes(4).toString("hex");
    const devDb = `prisma_bridge_test_${runId}_dev`;
    const deployDb = `prisma_bridge_test_${runId}_deploy`;
    const shadowDb = `prisma_bridge_test_${runId}_shadow`;
    let project: string;

    // Environment of every CLI run: no engine override (the wrapper must choose the bridge itself).
    function cliEnv(database: string): NodeJS.ProcessEnv {
      const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl(serverUrl, database) };
      delete env.PRISMA_SCHEMA_ENGINE_BINARY;
      delete env.SHADOW_DATABASE_URL;
      return env;
    }
    const prisma = (args: string[], database: string) =>
      runScript(project, "scripts/prisma.ts", args, cliEnv(database));
    const driftCheck = () => runScript(project, "scripts/check-migration-drift.ts", [], cliEnv(devDb));
    const migrationsDir = () => path.join(project, "prisma", "migrations");

    async function shadowDatabases(): Promise<string[]> {
      return withClient(serverUrl, async (client) => {
        const { rows } = await client.query<{ datname: string }>(
          "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%' OR datname LIKE 'drift_check_shadow_%'",
        );
        return rows.map((row) => row.datname);
      });
    }

    beforeAll(async () => {
      project = await mkdtemp(path.join(tmpdir(), "shipshape-prisma-bridge-"));
      await mkdir(path.join(project, "prisma"));
      await writeFile(path.join(project, "prisma.config.ts"), PRISMA_CONFIG);
      await writeFile(path.join(project, "prisma", "schema.prisma"), SCHEMA);
    });

    afterAll(async () => {
      await rm(project, { recursive: true, force: true });
      await withClient(serverUrl, async (client) => {
        for (const name of [devDb, deployDb, shadowDb]) {
          await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
        }
      });
    }, 60_000);

    it(
      "migrate dev creates the database and the first migration, and drops its shadow database",
      async () => {
        const shadowsBefore = await shadowDatabases();

        const run = await prisma(["migrate", "dev", "--name", "init"], devDb);

        expect(run.code, run.output).toBe(0);
        expect(run.output).toContain(`PostgreSQL database ${devDb} created`);
        const folders = (await readdir(migrationsDir())).filter((name) => name.endsWith("_init"));
        expect(folders).toHaveLength(1);
        expect(folders[0]).toMatch(/^\d{14}_init$/);
        const sql = await readFile(path.join(migrationsDir(), folders[0] as string, "migration.sql"), "utf8");
        expect(sql).toContain('CREATE TABLE "Note"');
        expect(sql).toContain('"title" TEXT NOT NULL');
        expect(sql).toContain('CONSTRAINT "Note_pkey" PRIMARY KEY ("id")');
        expect(await readFile(path.join(migrationsDir(), "migration_lock.toml"), "utf8")).toContain(
          'provider = "postgresql"',
        );
        const leftovers = (await shadowDatabases()).filter((name) => !shadowsBefore.includes(name));
        expect(leftovers).toEqual([]);
      },
      CLI_TEST_TIMEOUT_MS,
    );

    it(
      "migrate deploy applies the migrations to another fresh database",
      async () => {
        const triggerDir = path.join(migrationsDir(), "29990101000000_note_trigger");
        await mkdir(triggerDir);
        await writeFile(path.join(triggerDir, "migration.sql"), TRIGGER_MIGRATION);
        await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(deployDb)}`));

        const run = await prisma(["migrate", "deploy"], deployDb);

        expect(run.code, run.output).toBe(0);
        expect(run.output).toContain("All migrations have been successfully applied.");
        await withClient(databaseUrl(serverUrl, deployDb), async (client) => {
          const applied = await client.query(
            "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name",
          );
          expect(applied.rows.map((row) => row.migration_name)).toEqual([
            expect.stringMatching(/_init$/),
            "29990101000000_note_trigger",
          ]);
          const inserted = await client.query(
            `INSERT INTO "Note" (title) VALUES ('  trimmed  ') RETURNING title`,
          );
          expect(inserted.rows[0].title).toBe("trimmed");
        });
      },
      CLI_TEST_TIMEOUT_MS,
    );

    it(
      "migrate status reports the deployed database up to date",
      async () => {
        const run = await prisma(["migrate", "status"], deployDb);

        expect(run.code, run.output).toBe(0);
        expect(run.output).toContain("Database schema is up to date!");
      },
      CLI_TEST_TIMEOUT_MS,
    );

    it(
      "a failing migration applies nothing and is recorded as failed",
      async () => {
        const brokenDir = path.join(migrationsDir(), "29990102000000_broken");
        await mkdir(brokenDir);
        await writeFile(
          path.join(brokenDir, "migration.sql"),
          'CREATE TABLE "Half" (id int);\nSELECT 1/0;\n',
        );
        try {
          const run = await prisma(["migrate", "deploy"], deployDb);

          expect(run.code).not.toBe(0);
          expect(run.output).toContain("division by zero");
          await withClient(databaseUrl(serverUrl, deployDb), async (client) => {
            const half = await client.query(`SELECT to_regclass('public."Half"') AS half`);
            expect(half.rows[0].half).toBeNull();
            const failed = await client.query(
              "SELECT 1 FROM _prisma_migrations WHERE migration_name = '29990102000000_broken' AND finished_at IS NULL",
            );
            expect(failed.rowCount).toBe(1);
          });
        } finally {
          await rm(brokenDir, { recursive: true });
        }
      },
      CLI_TEST_TIMEOUT_MS,
    );

    it(
      "the drift check passes while the schema and the migrations agree",
      async () => {
        const run = await driftCheck();

        expect(run.code, run.output).toBe(0);
        expect(run.output).toContain("No drift");
      },
      CLI_TEST_TIMEOUT_MS,
    );

    it(
      "the drift check replays the migrations on SHADOW_DATABASE_URL when it is set, creating no database",
      async () => {
        await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(shadowDb)}`));
        const shadowsBefore = await shadowDatabases();

        const run = await runScript(project, "scripts/check-migration-drift.ts", [], {
          ...cliEnv(devDb),
          SHADOW_DATABASE_URL: databaseUrl(serverUrl, shadowDb),
        });

        expect(run.code, run.output).toBe(0);
        expect(run.output).toContain("No drift");
        // The replay happened in the given database (a server where the app's user may not create one).
        const replayed = await withClient(databaseUrl(serverUrl, shadowDb), (client) =>
          client.query<{ note: string | null }>(`SELECT to_regclass('"Note"')::text AS note`),
        );
        expect(replayed.rows).toEqual([{ note: '"Note"' }]);
        expect(await shadowDatabases()).toEqual(shadowsBefore);
      },
      CLI_TEST_TIMEOUT_MS,
    );

    it(
      "the drift check fails, showing the SQL, after a model change without a migration",
      async () => {
        const schemaFile = path.join(project, "prisma", "schema.prisma");
        await writeFile(schemaFile, SCHEMA.replace("title String", "title String\n  body  String?"));

        const run = await driftCheck();

        expect(run.code).toBe(1);
        expect(run.output).toContain("Migration drift");
        expect(run.output).toContain('ALTER TABLE "Note" ADD COLUMN');
        expect(run.output).toContain('"body" TEXT');
        expect(await shadowDatabases()).not.toContainEqual(expect.stringMatching(/^drift_check_shadow_/));
      },
      CLI_TEST_TIMEOUT_MS,
    );
  },
);
