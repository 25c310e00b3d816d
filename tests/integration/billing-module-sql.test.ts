// lib/billing's SQL file (lib/billing/sql/billing.sql) gives a bare database the same functions the
// stripe_event_minimized migration gives this repository's, so an app that copies lib/billing stores
// the same minimized payloads (decision 0040). A migration that changes one of them fails here until
// the file follows.

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase, runSql, type ScratchDatabase } from "../support/db";
import { fixtureCheckoutSession, fixtureEvent, withPersonalData } from "../support/stripe-fixtures";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
const BILLING_SQL = path.join(REPO_ROOT, "lib/billing/sql/billing.sql");

function applySqlFile(databaseUrl: string): Promise<{ code: number; stderr: string }> {
  const child = spawn(TSX, ["lib/db/sql-file.ts", BILLING_SQL], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? 1, stderr }));
  });
}

async function stripeFunctions(url: string) {
  return (
    await runSql(
      url,
      `SELECT p.proname, pg_get_functiondef(p.oid) AS definition FROM pg_proc p
       WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'stripe\\_%' ORDER BY p.proname`,
    )
  ).rows;
}

let bare: ScratchDatabase;
beforeAll(async () => {
  bare = await createScratchDatabase();
});
afterAll(async () => {
  await bare?.drop();
});

describe("lib/billing/sql/billing.sql", () => {
  it("applied twice the documented way, gives what the migrations give, and minimizes a real payload the same", async () => {
    for (let time = 0; time < 2; time++) {
      const applied = await applySqlFile(bare.url);
      expect(applied.code, applied.stderr).toBe(0);
    }
    const migrated = await stripeFunctions(process.env.DATABASE_URL as string);
    expect(migrated.map((fn) => fn.proname)).toEqual([
      "stripe_event_minimized",
      "stripe_id_of",
      "stripe_object_minimized",
    ]);
    expect(await stripeFunctions(bare.url)).toEqual(migrated);

    const person = {
      name: "Ada Placeholder",
      email: "ada@example.com",
      phone: "+15550100",
      address: { line1: "1 Example Street", city: "Springfield", postal_code: "12345", country: "US" },
    };
    const session = withPersonalData(
      fixtureCheckoutSession({
        customer: "cus_module",
        subscription: "sub_module",
        orgId: "00000000-0000-4000-8000-000000000001",
      }),
      person,
    );
    const event = JSON.stringify(fixtureEvent("checkout.session.completed", session, 1_700_000_000));
    const minimize = `SELECT stripe_event_minimized('${event.replaceAll("'", "''")}'::jsonb) AS stored`;
    const [fromModule] = (await runSql(bare.url, minimize)).rows;
    expect(fromModule.stored).toEqual(
      (await runSql(process.env.DATABASE_URL as string, minimize)).rows[0].stored,
    );
    expect(JSON.stringify(fromModule.stored)).not.toMatch(/Ada Placeholder|ada@example\.com|Example Street/);
  }, 120_000);
});
