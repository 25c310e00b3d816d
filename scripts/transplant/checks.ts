// What the transplant test asks of the built prototype, one request (or a few) per module, through
// the routes docs/MODULES.md wired. CHECK_FILES are the test's own probes, added after the wiring was
// counted: they read what only the server can (the audit chain's verification).
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import pg from "pg";
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

/** A response's status and JSON body, for comparing refusals. */
async function answer(response: Response): Promise<{ status: number; body: unknown }> {
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** The keys of a JSON value, nested, with the types of the leaves: what a client can tell apart. */
function shapeOf(value: unknown): unknown {
  if (value === null || typeof value !== "object") return typeof value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, child]) => [key, shapeOf(child)]),
  );
}

/**
 * authz + http through the guide's route: a member of org A reads A's note (200); A's address with
 * B's note id answers exactly as a missing id, and B's address (not a member) exactly as an
 * organization that does not exist, both 404 with the same body shape; no cookie or a forged one is
 * 401; past the "api-user" limit, 429. The rows are written straight into the app's database, as
 * the prototype's own sign-up and org creation would.
 */
export async function checkOrgScopedRead(
  base: string,
  databaseUrl: string,
  sessionSecret: string,
): Promise<void> {
  const [orgA, orgB, userId, noteA, noteB] = [
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
  ];
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO "Organization" (id, slug, name, "updatedAt") VALUES ($1, 'org-a', 'A', now()), ($2, 'org-b', 'B', now())`,
      [orgA, orgB],
    );
    await db.query(
      `INSERT INTO "Membership" (id, "userId", "orgId", "updatedAt") VALUES (gen_random_uuid(), $1, $2, now())`,
      [userId, orgA],
    );
    await db.query(
      `INSERT INTO "Note" (id, "orgId", title) VALUES ($1, $2, 'A''s note'), ($3, $4, 'B''s note')`,
      [noteA, orgA, noteB, orgB],
    );
  } finally {
    await db.end();
  }
  const signature = createHmac("sha256", sessionSecret).update(userId).digest("base64url");
  const read = (org: string, id: string, cookie = `session=${userId}.${signature}`) =>
    fetch(`${base}/api/orgs/${org}/notes/${id}`, {
      headers: { cookie, "x-forwarded-for": "203.0.113.8" },
    }).then(answer);

  const own = await read("org-a", noteA);
  assert.equal(own.status, 200, `a member reading their org's note: ${JSON.stringify(own)}`);
  assert.equal((own.body as { note?: { id?: string } }).note?.id, noteA, "the member got another note");

  const missingNote = await read("org-a", randomUUID());
  const otherOrgsNote = await read("org-a", noteB);
  const missingOrg = await read("org-zz", noteB);
  const otherOrg = await read("org-b", noteB);
  assert.equal(missingNote.status, 404, `a missing note: ${JSON.stringify(missingNote)}`);
  assert.deepEqual(otherOrgsNote, missingNote, "org B's note under org A differs from a missing note");
  assert.equal(missingOrg.status, 404, `a missing organization: ${JSON.stringify(missingOrg)}`);
  assert.deepEqual(otherOrg, missingOrg, "org B (not a member) differs from a missing organization");
  assert.deepEqual(shapeOf(otherOrg.body), shapeOf(missingNote.body), "the two 404s differ in shape");

  for (const cookie of [
    "",
    `session=${userId}.${"A".repeat(signature.length)}`,
    `session=${randomUUID()}.${signature}`,
  ]) {
    const refused = await read("org-a", noteA, cookie);
    assert.equal(refused.status, 401, `cookie "${cookie}" was not refused: ${JSON.stringify(refused)}`);
  }

  for (let request = 2; request <= 1000; request++) {
    const response = await read("org-a", noteA);
    if (response.status === 429) {
      console.log(`[transplant] authz+http: 200 own org, 404 alike for org B, 429 on request ${request}`);
      return;
    }
    assert.equal(response.status, 200, `GET org A's note answered ${JSON.stringify(response)}`);
  }
  assert.fail("the org-scoped route never answered 429 in 1000 requests");
}
