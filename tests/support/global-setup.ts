// Vitest global setup for the integration tests: runs once per `npm test`, in Vitest's main process.
//
// - TEST_DATABASE_URL (else DATABASE_URL) set: that PostgreSQL server. A template database is built
//   once from the committed migrations; each worker then gets its own copy (worker-setup.ts), so tests
//   in parallel workers never see each other's rows. Everything this run created is dropped at the end.
// - Neither set: an in-memory embedded PostgreSQL (PGlite), migrated, shared by all test files, which
//   therefore run one after another (vitest.config.mts). REQUIRE_SERVICES=1 (CI) forbids this fallback.

import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations, redactUrl } from "@/tools/db/apply-migrations";
import { startEmbeddedPostgres } from "@/tools/embedded-postgres";
import { DATABASE_PREFIX, databaseUrl, quoteIdentifier } from "./test-database";

// A crashed run leaves its databases behind. Databases of runs older than this are dropped at start;
// younger ones may belong to a run still going in another terminal.
const LEFTOVER_AGE_MS = 2 * 60 * 60 * 1000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;

  if (!serverUrl) {
    if (process.env.REQUIRE_SERVICES === "1") {
      throw new Error(
        "REQUIRE_SERVICES=1 but neither TEST_DATABASE_URL nor DATABASE_URL is set. The integration tests must " +
          "run against a real PostgreSQL here, not the embedded fallback: set TEST_DATABASE_URL, for example " +
          "TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres.",
      );
    }
    const server = await startEmbeddedPostgres();
    await applyMigrations({ databaseUrl: server.url }).catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    project.provide("testDatabase", { kind: "embedded", url: server.url });
    return () => server.stop();
  }

  // Time first, so that names sort by age and leftovers can be recognised by their age.
  const prefix = `${DATABASE_PREFIX}${Date.now().toString(36)}_${randomBytes(2).toString("hex")}`;
  const template = `${prefix}_template`;
  await withAdminClient(serverUrl, async (admin) => {
    await dropDatabases(admin, await leftoverDatabases(admin));
    await admin.query(`CREATE DATABASE ${quoteIdentifier(template)}`);
  });
  const dropThisRunsDatabases = () =>
    withAdminClient(serverUrl, async (admin) => {
      const { rows } = await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
        [prefix],
      );
      await dropDatabases(
        admin,
        rows.map((row) => row.datname),
      );
    });
  await applyMigrations({ databaseUrl: databaseUrl(serverUrl, template) }).catch(async (error: unknown) => {
    await dropThisRunsDatabases();
    throw error;
  });
  project.provide("testDatabase", { kind: "postgres", adminUrl: serverUrl, template, prefix });
  return dropThisRunsDatabases;
}

async function withAdminClient<T>(serverUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `The integration tests cannot reach PostgreSQL at ${redactUrl(serverUrl)} ` +
        `(from TEST_DATABASE_URL or DATABASE_URL): ${(error as Error).message}. Start it, or unset both ` +
        "variables to test against the embedded database.",
    );
  }
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

async function leftoverDatabases(admin: pg.Client): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
    [DATABASE_PREFIX],
  );
  return rows
    .map((row) => row.datname)
    .filter((name) => {
      const startedAt = Number.parseInt(name.slice(DATABASE_PREFIX.length).split("_")[0] ?? "", 36);
      return Number.isFinite(startedAt) && Date.now() - startedAt > LEFTOVER_AGE_MS;
    });
}

async function dropDatabases(admin: pg.Client, names: string[]): Promise<void> {
  for (const name of names) {
    // FORCE (PostgreSQL 13+) closes connections a killed worker may have left open.
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  }
}
