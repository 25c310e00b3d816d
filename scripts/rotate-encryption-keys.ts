// `npm run auth:reencrypt`: step two of rotating AUTH_ENCRYPTION_KEYS (docs/RUNBOOK.md, decision
// 0007). Re-encrypts every stored MFA secret with the first (current) key of AUTH_ENCRYPTION_KEYS,
// so the old keys can be removed afterwards.
//
//   1. deploy AUTH_ENCRYPTION_KEYS="k2:<new>,k1:<old>"   (new secrets use k2; old ones still open)
//   2. AUTH_ENCRYPTION_KEYS="k2:<new>,k1:<old>" npm run auth:reencrypt
//   3. deploy AUTH_ENCRYPTION_KEYS="k2:<new>"
//
// Database: DATABASE_URL (from the environment or the .env files), else the embedded database of a
// running `npm run dev`. Exit codes: 0 every secret is on the current key, 1 some secret opened with
// no configured key (listed by user id; nothing was changed for them), 2 it could not run.
import { readAuthConfig, reencryptMfaSecrets } from "../lib/auth";
import { createPrismaClient } from "../lib/db";
import { redactUrl } from "../tools/db/apply-migrations";
import { NO_DATABASE_MESSAGE, scriptDatabaseUrl } from "./script-database";

async function main(): Promise<number> {
  const databaseUrl = await scriptDatabaseUrl();
  let keys: ReturnType<typeof readAuthConfig>["encryptionKeys"];
  try {
    keys = readAuthConfig(process.env).encryptionKeys;
  } catch (error) {
    console.error(`AUTH_ENCRYPTION_KEYS can't be used: ${(error as Error).message}`);
    return 2;
  }
  if (databaseUrl === undefined) {
    console.error(NO_DATABASE_MESSAGE);
    return 2;
  }

  const db = createPrismaClient({ DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: 1 });
  try {
    const result = await reencryptMfaSecrets(db, keys);
    const current = keys[0]?.id;
    for (const failure of result.failed) {
      console.error(
        `user ${failure.userId}: the MFA secret opens with no configured key (${failure.reason})`,
      );
    }
    console.log(
      `${result.scanned} MFA secret(s) in ${redactUrl(databaseUrl)}: ${result.rewritten} re-encrypted ` +
        `with key "${current}", ${result.scanned - result.rewritten - result.failed.length} already on it, ` +
        `${result.failed.length} unreadable.`,
    );
    if (result.failed.length > 0) {
      console.error(
        "Keep the old keys configured until these are understood: each user can sign in with a recovery code and enrol MFA again.",
      );
      return 1;
    }
    console.log(
      "Every secret is on the current key: the other keys can now be removed from AUTH_ENCRYPTION_KEYS.",
    );
    return 0;
  } catch (error) {
    console.error(`The secrets could not be re-encrypted: ${(error as Error).message}`);
    return 2;
  } finally {
    await db.$disconnect();
  }
}

process.exitCode = await main();
