// Vitest setup file for the integration tests: runs in each worker before each test file. Points
// DATABASE_URL (read by lib/db and by tests/support/db.ts) at this worker's own database.

// First, as Next's server does before loading anything: AsyncLocalStorage on globalThis, where Next
// looks for it when its modules load (without it, its request scope is a stub that throws), so that
// tests/support/next-request.ts can run route handlers and server actions inside a request scope.
import "next/dist/server/node-environment-baseline";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { disconnectTestDb } from "./db";
import { databaseUrl, quoteIdentifier } from "./test-database";

const testDatabase = inject("testDatabase");

if (testDatabase.kind === "embedded") {
  process.env.DATABASE_URL = testDatabase.url;
  // PGlite serves one protocol conversation at a time: one connection per pool.
  process.env.DATABASE_POOL_MAX = "1";
} else {
  // VITEST_POOL_ID numbers the workers 1..maxWorkers; a worker runs one test file at a time, so its
  // database is never used by two files at once.
  const name = `${testDatabase.prefix}_worker${process.env.VITEST_POOL_ID ?? "1"}`;
  await createDatabaseOnce(testDatabase.adminUrl, name, testDatabase.template);
  process.env.DATABASE_URL = databaseUrl(testDatabase.adminUrl, name);
}

// Route handlers are called with an X-Forwarded-For set by the test (tests/support/sessions.ts
// appRequest), as a load balancer would: trust one hop, so each test's client has its own per-IP
// buckets instead of all sharing the "unknown" one.
process.env.TRUSTED_PROXY_COUNT ??= "1";

// Mail sent by code under test lands in a throwaway dev mailbox, never the developer's .data/mail.
process.env.MAIL_DEV_DIR = await mkdtemp(path.join(tmpdir(), "shipshape-test-mail-"));

// What lib/auth's index registers in the app: outside production, audit metadata holding a user's
// id is refused. Registered here too, so test files that never load lib/auth run with the check.
await import("@/lib/auth/audit-user-ids");

afterAll(disconnectTestDb);

async function createDatabaseOnce(adminUrl: string, name: string, template: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)}`);
    }
  } finally {
    await admin.end();
  }
}
