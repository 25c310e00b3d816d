// `npm run audit:verify [-- --chain <chain>]`: recomputes the audit log's hash chains (lib/audit) and
// prints the first broken link of each chain: a changed event, a missing one, or a rewritten history.
// Run it from a scheduled job and alert on a non-zero exit.
//
// Database: DATABASE_URL (from the environment or the .env files), else the embedded database of a
// running `npm run dev`.
// Options: --chain <chain> verifies one chain only: "platform:<shard>" (a platform shard,
// decision 0036), "platform" (the platform's events from before the shards) or "org:<orgId>".
// Exit codes: 0 every chain verified, 1 a chain is broken, 2 the check could not run.

import { parseArgs } from "node:util";
import { verifyAuditChains } from "../lib/audit";
import { createPrismaClient } from "../lib/db";
import { redactUrl } from "../tools/db/apply-migrations";
import { NO_DATABASE_MESSAGE, scriptDatabaseUrl } from "./script-database";

const CHAIN =
  /^(platform|platform:[0-9]{1,4}|org:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

async function main(): Promise<number> {
  let chain: string | undefined;
  try {
    chain = parseArgs({ options: { chain: { type: "string" } } }).values.chain;
  } catch (error) {
    console.error(`${(error as Error).message}. Usage: npm run audit:verify [-- --chain <chain>]`);
    return 2;
  }
  if (chain !== undefined && !CHAIN.test(chain)) {
    console.error(
      `--chain must be "platform:<shard>", "platform" or "org:<orgId>" (a lowercase UUID), got ${JSON.stringify(chain)}.`,
    );
    return 2;
  }

  const databaseUrl = await scriptDatabaseUrl();
  if (databaseUrl === undefined) {
    console.error(NO_DATABASE_MESSAGE);
    return 2;
  }

  const db = createPrismaClient({ DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: 1 });
  try {
    const result = await verifyAuditChains({ chain, db });
    if (result.ok) {
      console.log(
        `Audit log verified in ${redactUrl(databaseUrl)}: ${result.checked} events in ${result.chains} ` +
          `chain(s), no broken link.`,
      );
      return 0;
    }
    for (const broken of result.breaks) {
      console.error(
        `BROKEN chain ${broken.chain} at seq ${broken.seq} (event ${broken.eventId}): ${broken.reason}`,
      );
    }
    console.error(
      `${result.breaks.length} of ${result.chains} chain(s) broken in ${redactUrl(databaseUrl)}; ` +
        `${result.checked} events verified before the breaks. See docs/decisions/0009-audit-log.md.`,
    );
    return 1;
  } catch (error) {
    console.error(`The audit log could not be verified: ${(error as Error).message}`);
    return 2;
  } finally {
    await db.$disconnect();
  }
}

process.exitCode = await main();
