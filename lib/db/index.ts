import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { type DbConfig, readDbConfig } from "./config";
import { PrismaClient } from "./generated/client";
import { secretColumns } from "./secret-columns";

export type { DbConfig } from "./config";
export { dbEnvSchema } from "./config";
// The client and its Prisma namespace only: a model's enums belong to the module that owns the model
// (lib/authz's OrgRole mirrors Role; lib/auth reads AuthTokenPurpose through Prisma's types), so
// lib/db copies into another app without the orgs or auth models.
export { Prisma, PrismaClient } from "./generated/client";
export { secretColumns } from "./secret-columns";
export {
  DATABASE_RETRY_AFTER_SECONDS,
  DATABASE_UNAVAILABLE_DIGEST,
  DatabaseUnavailableError,
  isDatabaseUnavailable,
} from "./unavailable";

/**
 * Builds a Prisma client over node-postgres. The pool size follows the backend: PGlite serves one
 * protocol conversation at a time, so its runner sets DATABASE_POOL_MAX=1; PostgreSQL gets 10.
 * Secret columns (`secretColumns`) are left out of every result unless a query selects them.
 */
export function createPrismaClient(
  config: Pick<DbConfig, "DATABASE_URL" | "DATABASE_POOL_MAX">,
): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    // Fail fast when the database is unreachable instead of queueing requests forever.
    connectionTimeoutMillis: 5_000,
    // Every session in UTC: Prisma sends Dates without an offset, so a server in another time zone
    // would store timestamptz values hours off (and break the audit log's hashes).
    options: "-c TimeZone=UTC",
  });
  return new PrismaClient({ adapter, omit: secretColumns });
}

// One client per process. Next.js dev re-evaluates modules on every edit, so the client is kept on
// globalThis to avoid opening a new pool each time.
const globalForDb = globalThis as unknown as { shipshapeDb?: PrismaClient };

/** The process-wide Prisma client, created on first use from DATABASE_URL. */
export function getDb(): PrismaClient {
  globalForDb.shipshapeDb ??= createPrismaClient(readDbConfig());
  return globalForDb.shipshapeDb;
}

/** Closes the process-wide client (tests, scripts and graceful shutdown). */
export async function disconnectDb(): Promise<void> {
  const client = globalForDb.shipshapeDb;
  globalForDb.shipshapeDb = undefined;
  await client?.$disconnect();
}

/** One round-trip to the database, for the readiness probe. Throws when it is unreachable. */
export async function pingDatabase(client: PrismaClient = getDb()): Promise<void> {
  await client.$queryRaw`SELECT 1`;
}
