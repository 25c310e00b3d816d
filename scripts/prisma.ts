// `npm run prisma -- <args>` and every `db:*` script: the project's Prisma CLI, runnable offline.
//
// 1. Schema engine. Before most commands the Prisma CLI downloads a native schema-engine binary from
//    Prisma's CDN, which offline machines and firewalled CI cannot reach. This points
//    PRISMA_SCHEMA_ENGINE_BINARY at the WebAssembly bridge in tools/prisma-schema-engine instead, so
//    nothing is downloaded and every machine runs the same engine. Set the variable yourself (for
//    example to a native binary) and yours is used. Why: docs/decisions/0001-prisma-schema-engine-bridge.md.
// 2. Database. DATABASE_URL comes from the environment or the .env files, as for `npm run dev`. When it
//    is unset, commands that need a database use the embedded PostgreSQL: the one a running
//    `npm run dev` serves, else one started on .data/pglite for the length of the command. Embedded
//    PostgreSQL is a single database whatever the URL names, so commands that need a shadow database
//    also get a second, in-memory one as SHADOW_DATABASE_URL. With NODE_ENV=production a missing
//    DATABASE_URL is an error instead.
//
// Arguments go to the Prisma CLI unchanged; its exit code becomes this script's exit code.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import nextEnv from "@next/env"; // CommonJS: its named exports are not visible to ESM imports

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const PRISMA_CLI = path.join(REPO_ROOT, "node_modules", "prisma", "build", "index.js");
const SCHEMA_ENGINE_BRIDGE = path.join(REPO_ROOT, "tools", "prisma-schema-engine", "schema-engine.mjs");

/** Commands that never open a database connection. */
const COMMANDS_WITHOUT_DATABASE = new Set([
  "generate",
  "validate",
  "format",
  "version",
  "help",
  "--version",
  "-v",
]);

/** Whether `prisma <args>` connects to a database. */
function needsDatabase(args: string[]): boolean {
  const command = args[0];
  if (command === undefined || COMMANDS_WITHOUT_DATABASE.has(command)) return false;
  return !args.includes("--help") && !args.includes("-h");
}

/** Whether `prisma <args>` replays migrations on a shadow database. */
function needsShadowDatabase(args: string[]): boolean {
  if (args[0] !== "migrate") return false;
  if (args[1] === "dev") return true;
  return args[1] === "diff" && args.some((arg) => /^--(from|to)-migrations(=|$)/.test(arg));
}

interface Database {
  /** Variables the Prisma CLI gets on top of the environment. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The embedded database for this command: the running dev one, or one started on .data/pglite. */
async function openEmbeddedDatabase(withShadow: boolean): Promise<Database> {
  // Loaded only here: importing PGlite takes a moment that commands with a DATABASE_URL need not pay.
  const { DEV_DATA_DIR, findRunningDevDatabase, startEmbeddedPostgres } = await import(
    "../tools/embedded-postgres"
  );
  const runningUrl = await findRunningDevDatabase();
  // Start what is missing in parallel: each PGlite start is seconds of CPU.
  const results = await Promise.allSettled([
    runningUrl === null ? startEmbeddedPostgres({ dataDir: DEV_DATA_DIR }) : undefined,
    withShadow ? startEmbeddedPostgres({}) : undefined,
  ]);
  const [main, shadow] = results.map((result) => (result.status === "fulfilled" ? result.value : undefined));
  const stop = async () => {
    await Promise.all([main?.stop(), shadow?.stop()]);
  };
  const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failure) {
    await stop();
    throw failure.reason;
  }

  const url = runningUrl ?? main?.url;
  if (url === undefined) throw new Error("unreachable: no running and no started embedded database");
  const env: Record<string, string> = { DATABASE_URL: url, DATABASE_POOL_MAX: "1" }; // PGlite serves one connection at a time
  let where = runningUrl
    ? `the one \`npm run dev\` is serving at ${runningUrl}`
    : `${path.relative(process.cwd(), DEV_DATA_DIR) || "."}, started for this command`;
  if (shadow) {
    env.SHADOW_DATABASE_URL = shadow.url;
    where += ", with an in-memory shadow database";
  }
  console.error(`Database: embedded PostgreSQL (${where}). Set DATABASE_URL to use another.`);
  return { env, stop };
}

function runPrismaCli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, [PRISMA_CLI, ...args], { stdio: "inherit", env });
  // Ctrl-C reaches the CLI directly (same process group); forward a SIGTERM sent to this process only.
  const forwardSigterm = () => child.kill("SIGTERM");
  process.on("SIGTERM", forwardSigterm);
  process.on("SIGINT", () => {}); // let the CLI decide how to stop, then clean up below
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      process.off("SIGTERM", forwardSigterm);
      resolve(code ?? (signal === "SIGINT" ? 130 : 1));
    });
  });
}

/** Empty values, as a copied .env.example leaves them, mean "unset". */
function unsetEmpty(env: NodeJS.ProcessEnv, names: string[]): void {
  for (const name of names) if (env[name] === "") delete env[name];
}

async function main(): Promise<number> {
  if (!existsSync(PRISMA_CLI)) {
    console.error(
      `The Prisma CLI is missing (${path.relative(process.cwd(), PRISMA_CLI)}). Run \`npm install\`.`,
    );
    return 1;
  }
  const args = process.argv.slice(2);
  // Same .env files and precedence as Next and `npm run dev`: real environment variables win.
  nextEnv.loadEnvConfig(REPO_ROOT, process.env.NODE_ENV !== "production", {
    info: () => {},
    error: console.error,
  });
  const env = { ...process.env };
  unsetEmpty(env, ["DATABASE_URL", "SHADOW_DATABASE_URL", "PRISMA_SCHEMA_ENGINE_BINARY"]);
  env.PRISMA_SCHEMA_ENGINE_BINARY ??= SCHEMA_ENGINE_BRIDGE;

  let database: Database | null = null;
  if (env.DATABASE_URL === undefined && needsDatabase(args)) {
    // A deploy with a missing DATABASE_URL must fail, not migrate a throwaway embedded database.
    if (process.env.NODE_ENV === "production") {
      console.error(
        "DATABASE_URL is not set. With NODE_ENV=production the embedded PostgreSQL is never used.",
      );
      return 1;
    }
    try {
      database = await openEmbeddedDatabase(
        needsShadowDatabase(args) && env.SHADOW_DATABASE_URL === undefined,
      );
    } catch (error) {
      // "The data folder is in use by process N…": the message says what to do, no stack trace needed.
      if (!(error instanceof Error && error.name === "DataDirInUseError")) throw error;
      console.error(error.message);
      return 1;
    }
  }
  try {
    return await runPrismaCli(args, { ...env, ...database?.env });
  } finally {
    await database?.stop();
  }
}

process.exitCode = await main();
