// The PostgreSQL server the benchmarks create their scratch databases on, and one statement run on it.
import pg from "pg";

export const SERVER_URL = process.env.BENCH_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

/** Runs one statement (CREATE DATABASE, DROP DATABASE…) on the server's admin database. */
export async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
