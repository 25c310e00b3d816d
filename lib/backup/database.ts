// What the backup module asks PostgreSQL: which tables exist (discovered, never a fixed list, so new
// Prisma models are covered without a code change), their row counts and content hashes, the latest
// applied migration, and the server version; plus creating and dropping scratch databases.

import pg from "pg";
import type { TableStats } from "./manifest";

/**
 * Schemas left out of every backup: `pgboss`, the job queue (lib/jobs). Its rows are work in flight,
 * not data: restoring them would re-send old mail and re-run old jobs against the restored data, and
 * pg-boss recreates its schema when a worker starts. What the jobs act on lives in the public schema
 * and is picked up again: a due account deletion by the hourly job; an export still pending is
 * failed by the prune job, and the person requests another.
 */
export const EXCLUDED_SCHEMAS = ["pgboss"];

/** A connection whose text rendering of values is the same on every server and session. */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  // Content hashes hash each row's text form, which follows these settings: pin them.
  await client.query(
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; " +
      "SET extra_float_digits = 3; SET bytea_output = 'hex'",
  );
  return client;
}

export async function withConnection<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Double-quotes an identifier for SQL (table and database names cannot be query parameters). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The URL of another database on the same server, with the same credentials and options. */
export function withDatabaseName(url: string, databaseName: string): string {
  const next = new URL(url);
  next.pathname = `/${encodeURIComponent(databaseName)}`;
  return next.toString();
}

/** The database a URL names, decoded. */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** Every ordinary table of the public schema (Prisma's tables and _prisma_migrations), by name. */
export async function listTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
     ORDER BY table_name COLLATE "C"`,
  );
  return rows.map((row) => row.table_name);
}

/**
 * Row count and content hash of one table. The content hash is order-independent: the md5 of each
 * row's text form is split into two 64-bit halves, each summed over the table (as numeric, so no
 * overflow), and the hash is the md5 of "count:sum1:sum2". Unlike md5(string_agg(... ORDER BY ...)),
 * it needs no sort, no primary key and no collation agreement, and it has no 1 GB string limit: one
 * sequential scan of any size. Any changed, added, removed or duplicated row changes it.
 */
export async function tableStats(client: pg.Client, table: string): Promise<TableStats> {
  const { rows } = await client.query<{ rows: string; content_hash: string }>(
    `SELECT count(*) AS rows,
            md5(count(*) || ':' || coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint), 0)
                         || ':' || coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint), 0)) AS content_hash
     FROM (SELECT md5(t::text) AS h FROM public.${quoteIdentifier(table)} AS t) AS hashed`,
  );
  const row = rows[0];
  if (!row) throw new Error(`tableStats: no result for table ${table}`);
  return { rows: Number(row.rows), contentHash: row.content_hash };
}

/** Stats of every table in the public schema, keyed by table name in name order. */
export async function databaseStats(client: pg.Client): Promise<Record<string, TableStats>> {
  const stats: Record<string, TableStats> = {};
  for (const table of await listTables(client)) stats[table] = await tableStats(client, table);
  return stats;
}

/**
 * The name of the latest migration Prisma recorded as applied (and not rolled back); null when the
 * database has no _prisma_migrations table or no applied migration. Names start with a timestamp, so
 * the greatest name is the latest.
 */
export async function schemaVersion(client: pg.Client): Promise<string | null> {
  const { rows: exists } = await client.query<{ present: boolean }>(
    "SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS present",
  );
  if (!exists[0]?.present) return null;
  const { rows } = await client.query<{ name: string | null }>(
    `SELECT max(migration_name COLLATE "C") AS name FROM public._prisma_migrations
     WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  return rows[0]?.name ?? null;
}

export interface ServerVersion {
  /** As the server reports it, such as "15.20 (Debian 15.20-0+deb12u1)". */
  text: string;
  major: number;
}

export async function serverVersion(client: pg.Client): Promise<ServerVersion> {
  const { rows } = await client.query<{ text: string; num: string }>(
    "SELECT current_setting('server_version') AS text, current_setting('server_version_num') AS num",
  );
  const row = rows[0];
  if (!row) throw new Error("serverVersion: no result");
  return { text: row.text, major: Math.floor(Number(row.num) / 10_000) };
}

/** Drops the public schema with everything in it and creates it again, empty. */
export async function resetPublicSchema(client: pg.Client): Promise<void> {
  await client.query("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public");
}

export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  await withConnection(serverUrl, (client) =>
    client.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE template0`),
  );
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  // FORCE (PostgreSQL 13+) ends sessions still connected to it, such as a killed pg_restore's.
  await withConnection(serverUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
  );
}
