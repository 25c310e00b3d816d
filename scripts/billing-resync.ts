// `npm run billing:resync -- <org slug or id>`: sets an organization's billing state from Stripe's API
// (its customer's current subscription), audited as billing.subscription.resynced. The tool for a
// state the webhook got wrong: webhook events older than the fetch are ignored afterwards, newer ones
// apply as usual (docs/decisions/0030-billing-facts-ordered-by-their-own-clocks.md).
//
// Database: DATABASE_URL (from the environment or the .env files), else the embedded database of a
// running `npm run dev`. Stripe settings (STRIPE_SECRET_KEY, prices) come from the same environment.
// Exit codes: 0 set (changed or already right); 1 refused (unknown organization, no billing account,
// Stripe unreachable, billing off, a concurrent event); 2 could not run.

import { resyncFromStripe } from "../lib/billing";
import { disconnectDb } from "../lib/db";
import { redactUrl } from "../tools/db/apply-migrations";
import { NO_DATABASE_MESSAGE, scriptDatabaseUrl } from "./script-database";

async function main(): Promise<number> {
  const reference = process.argv[2];
  if (!reference || process.argv.length > 3) {
    console.error("Usage: npm run billing:resync -- <organization slug or id>");
    return 2;
  }
  const databaseUrl = await scriptDatabaseUrl();
  if (databaseUrl === undefined) {
    console.error(NO_DATABASE_MESSAGE);
    return 2;
  }
  // lib/billing reads it through lib/db.
  process.env.DATABASE_URL = databaseUrl;
  try {
    const result = await resyncFromStripe(reference);
    const what = `${result.status.to ?? "no subscription"} on ${result.plan.to ?? "no paid plan"}`;
    console.log(
      result.changed
        ? `Organization ${result.orgId}: was ${result.status.from ?? "no subscription"} on ${result.plan.from ?? "no paid plan"}, now ${what} (subscription ${result.subscriptionId ?? "none"}).`
        : `Organization ${result.orgId}: already right, ${what} (subscription ${result.subscriptionId ?? "none"}).`,
    );
    return 0;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: string };
    if (typeof code === "string") {
      console.error(`Not re-synced (${code}): ${message} (database ${redactUrl(databaseUrl)})`);
      return 1;
    }
    throw error;
  } finally {
    await disconnectDb();
  }
}

process.exitCode = await main();
