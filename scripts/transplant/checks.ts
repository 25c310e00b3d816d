// What the transplant test asks of the built prototype, one request (or a few) per module, through
// the routes docs/MODULES.md wired. CHECK_FILES are the test's own probes, added after the wiring was
// counted: they read what only the server can (the audit chain's verification).
import assert from "node:assert/strict";
import type { SmtpCatcher } from "../../tests/support/smtp-catcher";

export const CHECK_FILES: Record<string, string> = {
  "app/api/transplant-check/audit/route.ts": `import { connection } from "next/server";
import { verifyAuditChains } from "@/lib/audit";
import { getDb } from "@/lib/db";

export async function GET() {
  await connection();
  // lib/audit/sql/audit.sql's trigger refuses any change to an event: proof the SQL was applied.
  const appendOnly = await getDb()
    .$executeRawUnsafe('UPDATE "AuditEvent" SET "action" = "action"')
    .then(() => false, () => true);
  return Response.json({ ...(await verifyAuditChains()), appendOnly });
}
`,
};

/** As the one proxy the guide's TRUSTED_PROXY_COUNT=1 declares would send it. */
const FROM_CLIENT = { headers: { "x-forwarded-for": "203.0.113.7" } };

/** Past the policy's limit the wired route answers 429 with Retry-After; before it, 200. */
export async function checkRateLimit(base: string): Promise<void> {
  const first = await fetch(`${base}/api/hello`, FROM_CLIENT);
  assert.equal(
    first.status,
    200,
    `GET /api/hello answered ${first.status} before any limit: ${await first.text()}`,
  );
  for (let request = 2; request <= 1000; request++) {
    const response = await fetch(`${base}/api/hello`, FROM_CLIENT);
    if (response.status === 429) {
      assert.ok(response.headers.get("retry-after"), "the 429 carries no Retry-After");
      console.log(`[transplant] ratelimit: 429 on request ${request}`);
      return;
    }
    assert.equal(
      response.status,
      200,
      `GET /api/hello answered ${response.status}: ${await response.text()}`,
    );
  }
  assert.fail("GET /api/hello never answered 429 in 1000 requests");
}

/** The wired route's mail reaches the SMTP server (a local catcher) with its recipient. */
export async function checkMail(base: string, smtp: SmtpCatcher): Promise<void> {
  const to = "ada@example.com";
  const response = await fetch(`${base}/api/invite`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: to }),
  });
  assert.ok(response.ok, `POST /api/invite answered ${response.status}: ${await response.text()}`);
  const mail = await smtp.waitForMail({ to }, 15_000);
  console.log(`[transplant] mail: "${mail.subject}" reached ${to}`);
}

/**
 * An audited change writes an event, the chain verification function accepts the chain, and the
 * database refuses to change an event (the trigger of lib/audit/sql/audit.sql).
 */
export async function checkAuditEvent(base: string): Promise<void> {
  const response = await fetch(`${base}/api/notes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "first note" }),
  });
  assert.equal(response.status, 201, `POST /api/notes answered ${response.status}: ${await response.text()}`);
  const verification = (await (await fetch(`${base}/api/transplant-check/audit`)).json()) as {
    ok: boolean;
    checked: number;
    appendOnly: boolean;
  };
  assert.ok(
    verification.appendOnly,
    "an UPDATE of an audit event went through: lib/audit/sql/audit.sql was not applied",
  );
  assert.ok(verification.ok, `the audit chain does not verify: ${JSON.stringify(verification)}`);
  assert.ok(verification.checked >= 1, `no audit event was written: ${JSON.stringify(verification)}`);
  console.log(`[transplant] audit: ${verification.checked} event(s) verified`);
}
