// `npm run dev`: the database, then the app, in one command on a fresh machine.
//
// - DATABASE_URL set (environment or .env files): that PostgreSQL is used as it is. Migrations are the
//   developer's call there (`npm run db:migrate`); this only warns when some are not applied.
// - DATABASE_URL unset: an embedded PostgreSQL (PGlite) starts on .data/pglite, the committed migrations
//   are applied, demo data is seeded on the first start, and Next gets DATABASE_URL pointing at it.
// Before anything else, the environment is checked as Next will see it (scripts/dev-env.ts): a bad
// one stops the command there, listing every problem.
//
// The background job worker (lib/jobs) runs inside this process, on the same database, so queued mail,
// data exports and the scheduled jobs work with no second terminal. Set DEV_JOB_WORKER=false to leave
// it out (when you run `npm run worker` yourself against DATABASE_URL).
//
// Next starts at once, in parallel with the database (decision 0038): compiling the first page takes
// longer than opening, migrating and seeding the database, so the first page is not kept waiting for
// it. Next gets the database's URL before it runs (the embedded one's port is chosen first). A request
// that needs the database in the second or so before it is ready answers 503 database_unavailable,
// as when the database is down. The banner is printed once the database is ready.
//
// Extra arguments go to `next dev` (`npm run dev -- --port 4000`). Ctrl-C stops Next, then the worker,
// then the database.

// First, as a side-effect import (kept in place): loads the .env files and checks the environment,
// before any module below reads it.
import "./dev-env";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPrismaClient, disconnectDb } from "../lib/db";
import { readJobsConfig, stopJobProducer } from "../lib/jobs";
import { type JobWorker, jobDefinitions, startJobWorker } from "../lib/jobs/worker";
import { demoSignInLines, seedDemoData } from "../prisma/seed";
import {
  applyMigrations,
  findPendingMigrations,
  MigrationError,
  readMigrations,
  redactUrl,
} from "../tools/db/apply-migrations";
import {
  DEV_DATA_DIR,
  EmbeddedPostgresError,
  freeLocalPort,
  startEmbeddedPostgres,
} from "../tools/embedded-postgres";
import { inheritedEnv } from "./dev-env";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const NEXT_BIN = path.join(REPO_ROOT, "node_modules", "next", "dist", "bin", "next");
const MIGRATIONS_DIR = path.join(REPO_ROOT, "prisma", "migrations");
// Written after the first successful seed; lives in the data folder, so deleting the folder resets it.
const SEEDED_MARKER = path.join(DEV_DATA_DIR, "demo-data-seeded");
// How long Next may take to exit after Ctrl-C before it is killed.
const NEXT_EXIT_GRACE_MS = 10_000;

/** A problem whose message says what to do; printed without a stack trace. */
class CannotStartError extends Error {}

interface DevDatabase {
  /** Variables Next needs on top of the inherited environment. */
  env: Record<string, string>;
  /** Banner lines describing the database. */
  describe: string[];
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  // Ctrl-C while the database starts must not kill PGlite half-way through writing its folder: until
  // it is up (and the worker started), a signal only cancels the start; then Next, the worker and the
  // database are stopped cleanly.
  let startCancelled = false;
  let onStopSignal = () => {
    startCancelled = true;
  };
  process.on("SIGINT", () => onStopSignal());
  process.on("SIGTERM", () => onStopSignal());

  // Links in mail must point where this dev server listens: without an APP_URL of its own, derive it
  // from the port (`npm run dev -- --port 4000`), for Next and for the worker in this process.
  const nextArgs = process.argv.slice(2);
  const listenUrl = appUrl(nextArgs, inheritedEnv);
  const derivedAppUrl = process.env.APP_URL ? undefined : listenUrl;
  if (derivedAppUrl) process.env.APP_URL = derivedAppUrl;

  // 1. The database starts (the embedded one's URL is known before it runs) ...
  const configuredUrl = process.env.DATABASE_URL;
  const embeddedPort = configuredUrl ? undefined : await freeLocalPort();
  const databaseEnv: Record<string, string> =
    embeddedPort === undefined
      ? {}
      : // PGlite serves one conversation at a time: the app's pool must hold a single connection.
        { DATABASE_URL: embeddedUrl(embeddedPort), DATABASE_POOL_MAX: "1" };
  const databaseReady = configuredUrl
    ? checkConfiguredDatabase(configuredUrl)
    : startDevDatabase(embeddedPort as number);

  // 2. ... and the app at the same time.
  const next = spawn(process.execPath, [NEXT_BIN, "dev", ...nextArgs], {
    cwd: REPO_ROOT,
    env: { ...inheritedEnv, ...databaseEnv, ...(derivedAppUrl ? { APP_URL: derivedAppUrl } : {}) },
    stdio: "inherit",
  });
  // Its exit code; 1 when something else killed it with a signal.
  const nextExit = new Promise<number>((resolve) => next.once("exit", (code) => resolve(code ?? 1)));

  let database: DevDatabase;
  try {
    database = await databaseReady;
  } catch (error) {
    await stopNext(next, nextExit);
    throw error;
  }
  if (startCancelled) {
    await stopNext(next, nextExit);
    await database.stop();
    process.exit(0);
  }

  // 3. The job worker, on the same database.
  const worker = await startDevWorker(database);
  if (worker.line) database.describe.push(worker.line);
  printBanner([...database.describe, `App        ${listenUrl}`]);

  // 4. Shutdown: Next first (it holds database connections), then the worker, then the database.
  let shuttingDown = false;
  const shutdown = async (reason: "signal" | "next-exited", exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (reason === "signal") await stopNext(next, nextExit);
    await worker.stop();
    await database.stop();
    process.exit(exitCode);
  };
  // Ctrl-C reaches Next too (same process group); stopNext also covers a SIGTERM sent to this process only.
  onStopSignal = () => void shutdown("signal", 0);
  if (startCancelled) return void shutdown("signal", 0);
  void nextExit.then((code) => shutdown("next-exited", code));
}

function embeddedUrl(port: number): string {
  return `postgresql://postgres@127.0.0.1:${port}/postgres`;
}

/** DATABASE_URL is set: use it untouched, but say so when migrations are missing. */
async function checkConfiguredDatabase(databaseUrl: string): Promise<DevDatabase> {
  const describe = [`Database   DATABASE_URL ${redactUrl(databaseUrl)}`];
  try {
    const { pending } = await findPendingMigrations({ databaseUrl, migrationsDir: MIGRATIONS_DIR });
    if (pending.length > 0) {
      describe.push(
        `           ${pending.length} migration(s) not applied here: ${pending.join(", ")}`,
        "           Apply them with `npm run db:migrate`.",
      );
    }
  } catch (error) {
    // A failed or edited migration is the developer's to fix with the Prisma CLI; the app still starts.
    if (!(error instanceof MigrationError)) {
      throw new CannotStartError(
        `${error instanceof Error ? error.message : String(error)}\n` +
          "Start that PostgreSQL, or remove DATABASE_URL to use the embedded database.",
      );
    }
    describe.push(`           Warning: ${error.message}`);
  }
  return { env: {}, describe, stop: async () => {} };
}

/** No DATABASE_URL: the embedded PostgreSQL on .data/pglite, migrated, seeded on its first start. */
async function startDevDatabase(port: number): Promise<DevDatabase> {
  const isNew = !existsSync(path.join(DEV_DATA_DIR, "PG_VERSION"));
  if (isNew)
    console.log("Creating the embedded PostgreSQL in .data/pglite (first start only, a few seconds)...");
  const server = await startEmbeddedPostgres({ dataDir: DEV_DATA_DIR, port });
  try {
    const describe = [
      `Database   embedded PostgreSQL (PGlite) on 127.0.0.1:${server.port}, data in .data/pglite`,
      `           ${server.url} (psql, Prisma Studio: while this runs)`,
    ];
    if ((await readMigrations(MIGRATIONS_DIR)).length === 0) {
      describe.push(
        "           No migrations in prisma/migrations yet, so no tables and no demo data.",
        "           Create the first with `npm run db:migrate -- --name init`.",
      );
    } else {
      const { applied } = await applyMigrations({ databaseUrl: server.url, migrationsDir: MIGRATIONS_DIR });
      if (applied.length > 0) describe.push(`           applied migrations: ${applied.join(", ")}`);
      if (!existsSync(SEEDED_MARKER)) {
        const db = createPrismaClient({ DATABASE_URL: server.url, DATABASE_POOL_MAX: 1 });
        try {
          await seedDemoData(db);
        } finally {
          await db.$disconnect();
        }
        await writeFile(SEEDED_MARKER, `${new Date().toISOString()}\n`);
        describe.push("           seeded demo data (first start)");
      }
      describe.push(...demoSignInLines());
    }
    return { env: { DATABASE_URL: server.url, DATABASE_POOL_MAX: "1" }, describe, stop: server.stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * Starts the in-process job worker. When it cannot start, the app still runs without background
 * jobs, and the banner says so and why (queued mail and exports then wait until a worker runs).
 */
async function startDevWorker(database: DevDatabase): Promise<{ line?: string; stop(): Promise<void> }> {
  if (process.env.DEV_JOB_WORKER === "false") {
    return {
      line: "Jobs       not run here (DEV_JOB_WORKER=false): start `npm run worker`",
      stop: async () => {},
    };
  }
  // The handlers use the process-wide Prisma client, which reads these.
  Object.assign(process.env, database.env);
  let worker: JobWorker;
  try {
    worker = await startJobWorker({ definitions: jobDefinitions(readJobsConfig()) });
  } catch (error) {
    return {
      line:
        `Jobs       NOT RUNNING: the worker could not start (${(error as Error).message}). Queued mail and ` +
        "data exports wait until a worker runs (`npm run worker`).",
      stop: async () => {},
    };
  }
  return {
    line: "Jobs       worker running in this process (mail, exports, deletions, pruning)",
    async stop() {
      await worker.stop({ timeoutMs: 5_000 });
      await stopJobProducer();
      await disconnectDb();
    },
  };
}

async function stopNext(next: ChildProcess, nextExit: Promise<number>): Promise<void> {
  if (next.exitCode === null && next.signalCode === null) next.kill("SIGTERM");
  const timer = setTimeout(() => next.kill("SIGKILL"), NEXT_EXIT_GRACE_MS);
  await nextExit;
  clearTimeout(timer);
}

function appUrl(nextArgs: string[], env: NodeJS.ProcessEnv): string {
  const flag = nextArgs.findIndex((arg) => arg === "-p" || arg === "--port");
  const inline = nextArgs.find((arg) => arg.startsWith("--port="))?.slice("--port=".length);
  const port = (flag >= 0 ? nextArgs[flag + 1] : undefined) ?? inline ?? env.PORT ?? "3000";
  return `http://localhost:${port}`;
}

function printBanner(lines: string[]): void {
  console.log(["", "Shipshape (development)", ...lines.map((line) => `  ${line}`), ""].join("\n"));
}

main().catch((error: unknown) => {
  // Known problems carry a message that says what to do; anything else gets its stack.
  const known =
    error instanceof CannotStartError ||
    error instanceof MigrationError ||
    error instanceof EmbeddedPostgresError;
  console.error(known ? `\n${(error as Error).message}\n` : error);
  process.exit(1);
});
