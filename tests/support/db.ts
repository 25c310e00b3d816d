// Database helpers for integration tests. worker-setup.ts has already pointed DATABASE_URL at this
// worker's own migrated database (see global-setup.ts for how the database is chosen).

import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { readDbConfig } from "@/lib/db/config";
import { startEmbeddedPostgres } from "@/tools/embedded-postgres";
import { databaseUrl, quoteIdentifier } from "./test-database";

let client: PrismaClient | undefined;

/**
 * A Prisma client for this worker's test database, created on first use and disconnected after the
 * test file. Rows written by other test files in the same worker stay, so tests create their own data
 * (unique emails and slugs) instead of expecting empty tables.
 */
export function testDb(): PrismaClient {
  // The app's own config reading: DATABASE_URL (and the pool size) as worker-setup.ts set them.
  client ??= createPrismaClient(readDbConfig());
  return client;
}

export async function disconnectTestDb(): Promise<void> {
  const current = client;
  client = undefined;
  await current?.$disconnect();
}

/**
 * A database failure inside a transaction: until the returned function is called, every
 * `operation` on `table` for the organization `orgId`'s rows raises "simulated outage" (a trigger).
 */
export async function simulateOutage(
  table: "AuditEvent" | "BillingAccount",
  operation: "INSERT" | "UPDATE",
  orgId: string,
): Promise<() => Promise<void>> {
  const name = `test_outage_${randomBytes(6).toString("hex")}`;
  const row = operation === "INSERT" ? "NEW" : "OLD";
  await testDb().$executeRawUnsafe(`
    CREATE FUNCTION ${name}() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'simulated outage'; END $$ LANGUAGE plpgsql;
    CREATE TRIGGER ${name} BEFORE ${operation} ON "${table}"
      FOR EACH ROW WHEN (${row}."orgId" = '${orgId}') EXECUTE FUNCTION ${name}();`);
  return async () => {
    await testDb().$executeRawUnsafe(`DROP TRIGGER ${name} ON "${table}"; DROP FUNCTION ${name}();`);
  };
}

export interface ScratchDatabase {
  url: string;
  /** Drops everything in it (the public schema and all its objects), leaving an empty database. */
  empty(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * An empty database with no migrations, for tests of migrating itself. On PostgreSQL a new database
 * (dropped at the end of the run at the latest); on the embedded fallback a second in-memory PGlite,
 * since PGlite has only one database. That takes seconds: create one per test file and empty() it
 * between tests.
 */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const testDatabase = inject("testDatabase");
  if (testDatabase.kind === "embedded") {
    const server = await startEmbeddedPostgres();
    return { url: server.url, empty: () => emptyDatabase(server.url), drop: server.stop };
  }
  const name = `${testDatabase.prefix}_scratch_${randomBytes(4).toString("hex")}`;
  await runSql(testDatabase.adminUrl, `CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE template0`);
  const url = databaseUrl(testDatabase.adminUrl, name);
  return {
    url,
    empty: () => emptyDatabase(url),
    drop: async () => {
      await runSql(testDatabase.adminUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
    },
  };
}

/** Runs one SQL text on its own short-lived connection. */
export async function runSql(url: string, sql: string): Promise<pg.QueryResult> {
  const connection = new pg.Client({ connectionString: url });
  await connection.connect();
  try {
    return await connection.query(sql);
  } finally {
    await connection.end();
  }
}

async function emptyDatabase(url: string): Promise<void> {
  await runSql(url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
}
