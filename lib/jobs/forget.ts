import "server-only";
import { getDb, type PrismaClient } from "../db";
import { JOBS_SCHEMA } from "./boss";

/**
 * Deletes queued and archived `mail-send` jobs addressed to `email` and `sign-up` jobs for it
 * (case-insensitive), waiting or done: after an account's hard delete, no job row may still name the
 * person. Returns how many went.
 * A database where no worker ever ran has no job tables: nothing to do then.
 */
export async function forgetQueuedMailTo(email: string, db: PrismaClient = getDb()): Promise<number> {
  let removed = 0;
  for (const table of ["job", "archive"]) {
    const [exists] = await db.$queryRawUnsafe<{ present: boolean }[]>(
      "SELECT to_regclass($1) IS NOT NULL AS present",
      `${JOBS_SCHEMA}.${table}`,
    );
    if (!exists?.present) continue;
    removed += await db.$executeRawUnsafe(
      `DELETE FROM ${JOBS_SCHEMA}.${table}
        WHERE (name = 'mail-send' AND lower(data->>'to') = lower($1))
           OR (name = 'sign-up' AND lower(data->>'email') = lower($1))`,
      email,
    );
  }
  return removed;
}
