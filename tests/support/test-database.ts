// What the integration tests' global setup tells each test worker about the database, and the naming
// rules both sides share. The setup runs once in Vitest's main process (global-setup.ts); each worker
// reads this through `inject("testDatabase")` (worker-setup.ts).

export type TestDatabase =
  /** In-memory PGlite: one database for everything, so DB test files run one at a time. */
  | { kind: "embedded"; url: string }
  /**
   * A real PostgreSQL server: a template database migrated once, copied into one database per worker.
   * adminUrl is TEST_DATABASE_URL (or DATABASE_URL); its own database is never written to.
   */
  | { kind: "postgres"; adminUrl: string; template: string; prefix: string };

declare module "vitest" {
  export interface ProvidedContext {
    testDatabase: TestDatabase;
  }
}

/** All databases of one run start with this prefix; the run id starts with its start time. */
export const DATABASE_PREFIX = "shipshape_test_";

/** The URL of another database on the same server (same credentials and options). */
export function databaseUrl(serverUrl: string, databaseName: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
}

/** Double-quotes an identifier for SQL (database names cannot be query parameters). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
