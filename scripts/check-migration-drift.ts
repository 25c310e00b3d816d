// `npm run db:drift`: fails when prisma/schema.prisma and the committed migrations disagree, that is
// when someone changed the schema without creating the migration (or edited a migration by hand).
//
// It replays prisma/migrations on an empty shadow database and compares the result with the schema
// (`prisma migrate diff --from-migrations … --to-schema … --exit-code`), through scripts/prisma.ts so
// it runs offline. The shadow database:
// - SHADOW_DATABASE_URL set: that database, as for `prisma migrate dev` (its contents are replaced);
//   for a server where the app's user may not CREATE DATABASE;
// - else DATABASE_URL set: a throwaway database created on that server, dropped afterwards;
// - else: the embedded PostgreSQL that scripts/prisma.ts starts.
//
// Options: --schema <file> (default prisma/schema.prisma), --migrations <dir> (default
// prisma/migrations), both relative to the working directory, where prisma.config.ts is read from.
// Exit codes: 0 in sync, 1 drift or failure.

import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
const PRISMA_WRAPPER = path.join(REPO_ROOT, "scripts", "prisma.ts");

// `migrate diff --exit-code`: 0 = no difference, 2 = difference, anything else = the diff failed.
const DIFF_EMPTY = 0;
const DIFF_NOT_EMPTY = 2;

interface DiffOutcome {
  exitCode: number;
  /** The SQL that would bring the migrations to the schema (stdout of `migrate diff --script`). */
  sql: string;
}

function runMigrateDiff(schema: string, migrations: string, env: NodeJS.ProcessEnv): Promise<DiffOutcome> {
  const args = [
    "migrate",
    "diff",
    "--from-migrations",
    migrations,
    "--to-schema",
    schema,
    "--script",
    "--exit-code",
  ];
  // stdout is the SQL, kept for the report; stderr (progress and errors) goes straight to the terminal.
  const child = spawn(TSX, [PRISMA_WRAPPER, ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
  let sql = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    sql += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ exitCode: code ?? 1, sql: sql.trim() }));
  });
}

/** Creates an empty database next to DATABASE_URL's for the diff to replay migrations in. */
async function createThrowawayShadow(databaseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `drift_check_shadow_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

function report(outcome: DiffOutcome, schema: string, migrations: string): number {
  if (outcome.exitCode === DIFF_EMPTY) {
    console.log(`No drift: ${schema} matches ${migrations}.`);
    return 0;
  }
  if (outcome.exitCode === DIFF_NOT_EMPTY) {
    console.error(
      [
        `Migration drift: ${schema} does not match what ${migrations} create.`,
        "This SQL is the difference (what a new migration would contain):",
        "",
        outcome.sql,
        "",
        "Create and commit the migration: npm run db:migrate -- --name <what-changed>",
        "(or undo the schema change, or restore the edited migration).",
      ].join("\n"),
    );
    return 1;
  }
  console.error(
    `The drift check could not run: prisma migrate diff exited with ${outcome.exitCode} (see above).`,
  );
  return 1;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      schema: { type: "string", default: "prisma/schema.prisma" },
      migrations: { type: "string", default: "prisma/migrations" },
    },
  });
  const { schema, migrations } = values;
  if (!existsSync(schema)) {
    console.error(`Schema file not found: ${schema}. Run from the project root or pass --schema <file>.`);
    return 1;
  }
  if (!existsSync(migrations)) {
    console.error(
      `Migrations folder not found: ${migrations}. Create the first one with npm run db:migrate.`,
    );
    return 1;
  }

  // The shadow database the user chose (prisma.config.ts passes it to the CLI as shadowDatabaseUrl).
  if (process.env.SHADOW_DATABASE_URL)
    return report(await runMigrateDiff(schema, migrations, process.env), schema, migrations);

  const databaseUrl = process.env.DATABASE_URL || undefined;
  if (databaseUrl === undefined)
    return report(await runMigrateDiff(schema, migrations, process.env), schema, migrations);

  let shadow: Awaited<ReturnType<typeof createThrowawayShadow>>;
  try {
    shadow = await createThrowawayShadow(databaseUrl);
  } catch (error) {
    console.error(
      `Could not create a throwaway shadow database on the DATABASE_URL server: ${(error as Error).message}. ` +
        "Check that the server is reachable and its user may CREATE DATABASE, or set SHADOW_DATABASE_URL to " +
        "an empty database the check may use, or unset DATABASE_URL to use the embedded PostgreSQL.",
    );
    return 1;
  }
  try {
    const env = { ...process.env, SHADOW_DATABASE_URL: shadow.url };
    return report(await runMigrateDiff(schema, migrations, env), schema, migrations);
  } finally {
    await shadow.drop();
  }
}

process.exitCode = await main();
