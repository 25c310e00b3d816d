// Starts the production build for the e2e suite (Playwright's webServer runs this):
// a fresh database with the committed migrations, a job worker (as `npm run worker` would run next to
// the app), then `npm start` (scripts/start.ts: the environment check, then `next start`) on 127.0.0.1.
//
// The demo data (prisma/seed.ts) gives the suite its accounts: owner/admin/member@example.com.
//
// With TEST_DATABASE_URL or DATABASE_URL: a new database `shipshape_e2e_<port>` on that server (one per
// port, so suites on different E2E_PORTs can run side by side).
// Without: an in-memory embedded PostgreSQL, so the suite runs on a machine with no services.
import { spawn } from "node:child_process";
import pg from "pg";
import { createPrismaClient } from "../../lib/db";
import { readJobsConfig } from "../../lib/jobs";
import { jobDefinitions, startJobWorker } from "../../lib/jobs/worker";
import { seedDemoData } from "../../prisma/seed";
import { applyMigrations } from "../../tools/db/apply-migrations";
import { startEmbeddedPostgres } from "../../tools/embedded-postgres";

const port = process.env.E2E_PORT ?? "3210";
const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main(): Promise<void> {
  let databaseUrl: string;
  let poolMax = "10";
  let stopDatabase = async () => {};
  if (serverUrl) {
    databaseUrl = await freshDatabase(serverUrl, `shipshape_e2e_${port}`);
  } else {
    const embedded = await startEmbeddedPostgres({});
    databaseUrl = embedded.url;
    poolMax = "1";
    stopDatabase = embedded.stop;
  }
  await applyMigrations({ databaseUrl });
  const db = createPrismaClient({ DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: 1 });
  await seedDemoData(db);
  await db.$disconnect();

  // The worker's handlers use the process-wide Prisma client, which reads these.
  Object.assign(process.env, { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: poolMax });
  const worker = await startJobWorker({
    definitions: jobDefinitions(readJobsConfig()),
    pollingIntervalSeconds: 0.5,
  });

  const next = spawn(
    process.execPath,
    // `npm start`: the environment check, then `next start`.
    [
      "node_modules/tsx/dist/cli.mjs",
      "--conditions=react-server",
      "scripts/start.ts",
      "-H",
      "127.0.0.1",
      "-p",
      port,
    ],
    {
      stdio: "inherit",
      env: { ...process.env, DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: poolMax },
    },
  );
  const stop = () => next.kill("SIGTERM");
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  next.on("exit", async (code) => {
    await worker.stop({ timeoutMs: 2_000 });
    await stopDatabase();
    process.exit(code ?? 0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
