// `npm run billing:replay <eventId>`: re-applies a stored Stripe event that FAILED (after fixing
// whatever made it fail), through the same path as a webhook delivery: one transaction, the same
// order rules, exactly once. An event already processed or ignored is left alone.
//
// Database: DATABASE_URL (from the environment or the .env files), else the embedded database of a
// running `npm run dev`. Billing settings (prices, grace period) come from the same environment.
// Exit codes: 0 applied, ignored or already handled; 1 it failed again or is unknown; 2 could not run.

import { replayStripeEvent } from "../lib/billing";
import { disconnectDb } from "../lib/db";
import { redactUrl } from "../tools/db/apply-migrations";
import { NO_DATABASE_MESSAGE, scriptDatabaseUrl } from "./script-database";

async function main(): Promise<number> {
  const eventId = process.argv[2];
  if (!eventId || !/^evt_[A-Za-z0-9]+$/.test(eventId)) {
    console.error("Usage: npm run billing:replay <eventId>   (a Stripe event id, evt_…)");
    return 2;
  }
  const databaseUrl = await scriptDatabaseUrl();
  if (databaseUrl === undefined) {
    console.error(NO_DATABASE_MESSAGE);
    return 2;
  }
  // lib/billing reads it through lib/db.
  process.env.DATABASE_URL = databaseUrl;
  const where = redactUrl(databaseUrl);
  try {
    const result = await replayStripeEvent(eventId);
    switch (result.status) {
      case "not_found":
        console.error(
          `No Stripe event ${eventId} is stored in ${where}. Replay only re-applies received events.`,
        );
        return 1;
      case "duplicate":
        console.log(`Stripe event ${eventId} was already handled; nothing to do.`);
        return 0;
      case "ignored":
        console.log(`Stripe event ${eventId} is stored as IGNORED: ${result.reason ?? "nothing to apply"}.`);
        return 0;
      case "processed":
        console.log(`Stripe event ${eventId} applied (organization ${result.orgId ?? "unknown"}).`);
        return 0;
    }
  } catch (error) {
    console.error(`Stripe event ${eventId} failed again and stays FAILED: ${(error as Error).message}`);
    return 1;
  } finally {
    await disconnectDb();
  }
}

process.exitCode = await main();
