// Applies a module's SQL file (such as lib/audit/sql/audit.sql: functions and triggers the Prisma
// schema cannot express) to DATABASE_URL, for an app that copied the module:
//   npx tsx lib/db/sql-file.ts lib/audit/sql/audit.sql          (Shipshape: npm run db:sql-file -- …)
// The file runs as one transaction, sent as it is (PostgreSQL's simple query protocol), so function
// bodies between $$ and several statements need no splitting; all of it applies or none. Module SQL
// files are written to be run again safely. (`prisma db execute --file` would do the same, but the
// offline schema-engine bridge refuses a script holding a function body.)
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";

/** Runs the SQL in `file` against `databaseUrl`, in one transaction. Rejects with PostgreSQL's error. */
export async function applySqlFile(databaseUrl: string, file: string): Promise<void> {
  const sql = await readFile(file, "utf8");
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query("BEGIN");
    try {
      await client.query(sql);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  const [file, ...extra] = process.argv.slice(2);
  if (!file || extra.length > 0) {
    console.error("Usage: tsx lib/db/sql-file.ts <file.sql>   (applies it to DATABASE_URL)");
    return 2;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error("DATABASE_URL is not set: it names the database the file is applied to.");
    return 2;
  }
  try {
    await applySqlFile(databaseUrl, file);
  } catch (error) {
    console.error(`${file} was not applied (nothing of it was kept): ${(error as Error).message}`);
    return 1;
  }
  console.log(`Applied ${file} to ${new URL(databaseUrl).pathname.slice(1) || "the database"}.`);
  return 0;
}

// No top-level await: tsx runs a prototype's .ts files as CommonJS unless its package.json says
// "type": "module", and CommonJS refuses it.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then((code) => {
    process.exitCode = code;
  });
}
