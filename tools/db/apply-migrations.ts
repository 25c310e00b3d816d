// A fast applier of the committed migrations in prisma/migrations, for `npm run dev` and the test
// harness. It keeps Prisma's own bookkeeping table (_prisma_migrations) exactly as
// `prisma migrate deploy` would, so the Prisma CLI sees a database migrated this way as up to date.
//
// Why not just run `prisma migrate deploy`? Spawning the CLI and its WebAssembly schema engine costs
// seconds on every dev start and every test run; this takes milliseconds. Production still deploys
// with `prisma migrate deploy` (npm run db:deploy).
//
// What Prisma does, and so what this does, for each migration folder not yet applied (sorted by name):
// insert a row with the SHA-256 of migration.sql, run the file as one simple query (PostgreSQL runs a
// multi-statement simple query as one implicit transaction), then set finished_at and
// applied_steps_count = 1. A migration that fails keeps its row with finished_at = NULL and the error in
// `logs`; nothing else is applied until a person resolves it with `prisma migrate resolve`.

import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

export interface ApplyMigrationsOptions {
  databaseUrl: string;
  /** Folder holding one sub-folder per migration, each with a migration.sql. Relative to the cwd. */
  migrationsDir?: string;
}

export interface LocalMigration {
  name: string;
  sql: string;
  /** Lowercase hex SHA-256 of migration.sql, as Prisma computes it. */
  checksum: string;
}

/** A problem a person must fix before migrations can go on; the message says what to do. */
export class MigrationError extends Error {
  override name = "MigrationError";
}

// The key Prisma's schema engine passes to pg_advisory_lock. Using the same one means this applier
// and `prisma migrate deploy`/`migrate dev` never run at the same time against one database.
const PRISMA_ADVISORY_LOCK_KEY = 72_707_369;

// Prisma's own DDL for the table (PostgreSQL connector), so `prisma migrate` finds what it expects.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/** Applies every committed migration the database does not have yet. Returns their names, in order. */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(options.migrationsDir);
  const client = await connect(options.databaseUrl);
  try {
    const embedded = await isPGlite(client);
    // On PostgreSQL a session advisory lock makes concurrent appliers wait for each other. PGlite has
    // only one backend session, shared by every connection, and advisory locks are re-entrant within a
    // session, so there the lock would never block anyone. Instead each migration runs in an explicit
    // transaction (applyInTransaction): the PGlite socket server runs nothing from other connections
    // while one connection has a transaction open, which serializes appliers just as well.
    // The lock is released when the connection closes (the finally below), however this ends.
    if (!embedded) await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const pending = planMigrations(migrations, await readMigrationRows(client));
    const applied: string[] = [];
    for (const migration of pending) {
      const didApply = embedded
        ? await applyInTransaction(client, migration)
        : await applyLikePrisma(client, migration);
      if (didApply) applied.push(migration.name);
    }
    return { applied };
  } finally {
    await client.end();
  }
}

/**
 * The committed migrations the database does not have yet, without changing anything. Throws the same
 * MigrationError as applyMigrations for a failed or edited migration.
 */
export async function findPendingMigrations(options: ApplyMigrationsOptions): Promise<{ pending: string[] }> {
  const migrations = await readMigrations(options.migrationsDir);
  const client = await connect(options.databaseUrl);
  try {
    const { rows } = await client.query<{ exists: boolean }>(
      "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists",
    );
    const existing = rows[0]?.exists ? await readMigrationRows(client) : [];
    return { pending: planMigrations(migrations, existing).map((migration) => migration.name) };
  } finally {
    await client.end();
  }
}

/** Reads prisma/migrations: one folder per migration, applied in name order (timestamp prefixes). */
export async function readMigrations(migrationsDir = "prisma/migrations"): Promise<LocalMigration[]> {
  const dir = path.resolve(migrationsDir);
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, "migration.sql");
      if (!existsSync(file)) {
        throw new MigrationError(
          `${path.relative(process.cwd(), path.join(dir, name))} has no migration.sql. Every folder in ` +
            `${migrationsDir} must be a migration; delete the folder or add its migration.sql.`,
        );
      }
      const sql = await readFile(file, "utf8");
      return { name, sql, checksum: sha256Hex(sql) };
    }),
  );
}

/**
 * Decides what to apply from the committed migrations and the database's rows; refuses (throws
 * MigrationError) when a migration failed earlier or an applied one was edited since.
 */
function planMigrations(migrations: LocalMigration[], rows: MigrationRow[]): LocalMigration[] {
  const failed = rows.find(isFailed);
  if (failed) throw failedMigrationError(failed);
  const applied = new Map(rows.filter(isApplied).map((row) => [row.migration_name, row.checksum]));
  for (const migration of migrations) {
    const checksum = applied.get(migration.name);
    if (checksum !== undefined && checksum !== migration.checksum) throw editedMigrationError(migration.name);
  }
  return migrations.filter((migration) => !applied.has(migration.name));
}

/** Prisma's steps, in Prisma's order. Runs under the advisory lock. Returns true (it always applies). */
async function applyLikePrisma(client: pg.Client, migration: LocalMigration): Promise<boolean> {
  const id = randomUUID();
  await client.query(
    "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)",
    [id, migration.checksum, migration.name],
  );
  try {
    // No parameters: node-postgres sends the file as one simple query, which may hold many statements.
    await client.query(migration.sql);
  } catch (error) {
    const message = errorText(error);
    await client.query("UPDATE _prisma_migrations SET logs = $2 WHERE id = $1", [id, message]);
    throw migrationFailedError(migration.name, message);
  }
  await client.query(
    "UPDATE _prisma_migrations SET finished_at = now(), applied_steps_count = 1 WHERE id = $1",
    [id],
  );
  return true;
}

/**
 * PGlite variant: the same rows and the same SQL, inside one explicit transaction. The transaction is
 * what keeps other appliers out (see applyMigrations), so it re-reads this migration's rows first:
 * another applier may have applied it, or failed on it, while this one waited.
 * A failing migration is rolled back to a savepoint, so its failed row is still committed, as Prisma's is.
 * Returns false when another applier got there first.
 */
async function applyInTransaction(client: pg.Client, migration: LocalMigration): Promise<boolean> {
  await client.query("BEGIN");
  try {
    const rows = await readMigrationRows(client, migration.name);
    const failed = rows.find(isFailed);
    if (failed) throw failedMigrationError(failed);
    const applied = rows.find(isApplied);
    if (applied) {
      if (applied.checksum !== migration.checksum) throw editedMigrationError(migration.name);
      await client.query("COMMIT");
      return false;
    }
    const id = randomUUID();
    await client.query(
      "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)",
      [id, migration.checksum, migration.name],
    );
    await client.query("SAVEPOINT migration");
    try {
      await client.query(migration.sql);
    } catch (error) {
      const message = errorText(error);
      await client.query("ROLLBACK TO SAVEPOINT migration");
      await client.query("UPDATE _prisma_migrations SET logs = $2 WHERE id = $1", [id, message]);
      await client.query("COMMIT");
      throw migrationFailedError(migration.name, message, { inTransaction: true });
    }
    await client.query(
      "UPDATE _prisma_migrations SET finished_at = now(), applied_steps_count = 1 WHERE id = $1",
      [id],
    );
    await client.query("COMMIT");
    return true;
  } catch (error) {
    // Harmless after COMMIT (PostgreSQL only warns that no transaction is open). A failure here must
    // not hide the error that got us here.
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

// --- Helpers ----------------------------------------------------------------------------------

async function connect(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Could not connect to the database at ${redactUrl(databaseUrl)}: ${errorText(error)}. ` +
        "Check that PostgreSQL is running and that the URL is right.",
    );
  }
  return client;
}

async function isPGlite(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ version: string }>("SELECT version()");
  return rows[0]?.version.includes("PGlite") ?? false;
}

const SELECT_MIGRATION_ROWS =
  "SELECT migration_name, checksum, finished_at, rolled_back_at, logs FROM _prisma_migrations";

/**
 * All rows, or one migration's rows. Outside a transaction only parameterless (simple-protocol)
 * queries are sent: on PGlite a parameterized query is several protocol messages, and another
 * connection's messages could run between them on the one shared backend session.
 */
async function readMigrationRows(client: pg.Client, name?: string): Promise<MigrationRow[]> {
  const { rows } =
    name === undefined
      ? await client.query<MigrationRow>(`${SELECT_MIGRATION_ROWS} ORDER BY started_at`)
      : await client.query<MigrationRow>(`${SELECT_MIGRATION_ROWS} WHERE migration_name = $1`, [name]);
  return rows;
}

// Prisma's definitions: a row marked rolled back no longer counts, the migration may run again.
function isApplied(row: MigrationRow): boolean {
  return row.finished_at !== null && row.rolled_back_at === null;
}

function isFailed(row: MigrationRow): boolean {
  return row.finished_at === null && row.rolled_back_at === null;
}

function failedMigrationError(row: MigrationRow): MigrationError {
  return new MigrationError(
    `Migration ${row.migration_name} failed earlier and is not finished, so no further migration is applied.` +
      (row.logs ? ` Its error: ${row.logs.trim()}.` : "") +
      " Repair the database by hand, then tell Prisma what you did: " +
      `\`npm run prisma -- migrate resolve --rolled-back ${row.migration_name}\` to run it again, or ` +
      `\`npm run prisma -- migrate resolve --applied ${row.migration_name}\` if you completed it by hand. ` +
      "On a development database, `npm run db:reset` starts over.",
  );
}

function editedMigrationError(name: string): MigrationError {
  return new MigrationError(
    `Migration ${name} was changed after it was applied: its migration.sql no longer matches the checksum ` +
      "recorded in _prisma_migrations. Applied migrations must not be edited. Restore the file " +
      `(git checkout -- prisma/migrations/${name}/migration.sql) and put the change in a new migration ` +
      "(`npm run db:migrate -- --name <change>`). On a development database, `npm run db:reset` starts over.",
  );
}

function migrationFailedError(name: string, message: string, options: { inTransaction?: boolean } = {}) {
  // On PGlite the file runs inside a transaction block; some statements refuse that.
  const hint =
    options.inTransaction && /cannot run inside a transaction block/i.test(message)
      ? " On the embedded database every migration runs inside a transaction, so statements such as " +
        "CREATE INDEX CONCURRENTLY cannot be used there; write a plain CREATE INDEX in the migration."
      : "";
  return new MigrationError(
    `Migration ${name} failed: ${message}.${hint} It is recorded as failed in _prisma_migrations. ` +
      `Fix migration.sql (it was never applied) and run \`npm run prisma -- migrate resolve --rolled-back ${name}\`, ` +
      "then apply again.",
  );
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The URL without its password, safe to print. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "****";
    return url.toString();
  } catch {
    return "(an invalid URL)";
  }
}
