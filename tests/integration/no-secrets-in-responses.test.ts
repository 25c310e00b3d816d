// No secret leaves the server in a response. Two users hold every kind of secret the app stores (a
// password hash, an encrypted TOTP secret, recovery code hashes, a hashed token of every emailed
// kind), and an invitation's token is stored hashed: the caller is a platform admin with MFA passed,
// the owner of an organization (on a paid plan, so nothing answers "upgrade") with a pending
// invitation and a built data export; the colleague is a member who created a project. The caller
// calls every GET endpoint, and every other endpoint that answers with a body, with valid input,
// inside a real Next.js request scope (so next-auth's own session endpoint runs). Every answer is
// searched for each stored secret, each secret's plaintext, the argon2 prefix and the secret column
// names.
//
// The endpoints come from the route scan that the coverage test uses: a new GET endpoint is called
// automatically, and must answer 2xx (give it the params it needs below); a new endpoint of another
// method must be added to WRITES (with its body) or to ANSWERS_WITHOUT_A_BODY (with the reason).
import { randomBytes } from "node:crypto";
import { unzipSync } from "fflate";
import { NextRequest } from "next/server";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createToken, hashPassword, hashToken } from "@/lib/auth";
import { buildDataExport, requestDataExport } from "@/lib/privacy";
import { scanEndpoints } from "@/tools/route-coverage";
import { putOnPaidPlan } from "../support/billing";
import { testDb } from "../support/db";
import { inRequestScope } from "../support/next-request";
import { createTestOrg, uniqueSlug } from "../support/orgs";
import { giveEverySecret, SECRET_MARKERS } from "../support/secrets";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { freshIp, TEST_PASSWORD } from "../support/users";

// putOnPaidPlan turned billing on for this file.
afterAll(() => {
  vi.unstubAllEnvs();
});

type Handler = (
  request: Request,
  context?: { params: Promise<Record<string, unknown>> },
) => Promise<Response>;

/** GET endpoints that don't answer 2xx on purpose, with the status they answer. */
const GET_NOT_2XX: Record<string, number> = {
  "GET app/api/[...path]/route.ts": 404, // the JSON 404 for unknown API paths
  "GET app/api/test-support/server-error/route.ts": 404, // off unless ENABLE_TEST_ROUTES=true
};

/** Endpoints (besides GET) not called here, and why none can answer with a secret. */
const ANSWERS_WITHOUT_A_BODY: Record<string, string> = {
  "DELETE app/api/[...path]/route.ts": "the JSON 404 for unknown API paths",
  "PATCH app/api/[...path]/route.ts": "the JSON 404 for unknown API paths",
  "POST app/api/[...path]/route.ts": "the JSON 404 for unknown API paths",
  "PUT app/api/[...path]/route.ts": "the JSON 404 for unknown API paths",
  "POST app/api/auth/[...nextauth]/route.ts":
    "next-auth's sign-in, callback and sign-out answer a redirect URL; the session they start is GET session's",
  "POST app/api/admin/orgs/[org]/refunds/route.ts":
    "answers Stripe's refund (ids, amount, status), built by lib/billing from Stripe's answer",
  "POST app/api/webhooks/stripe/route.ts": "answers Stripe { received, outcome }",
  "DELETE app/api/orgs/[org]/route.ts": "204 No Content",
  "DELETE app/api/orgs/[org]/invitations/[invitationId]/route.ts": "204 No Content",
  "DELETE app/api/orgs/[org]/members/[membershipId]/route.ts": "204 No Content",
  "POST app/api/orgs/[org]/members/leave/route.ts": "204 No Content",
  "DELETE app/api/orgs/[org]/projects/[projectId]/route.ts": "204 No Content",
};

async function seed() {
  const { org, owner, member } = await createTestOrg(["OWNER", "MEMBER"]);
  const caller = owner();
  const colleague = member();
  // Every paid feature and a seat to spare, so the audit export and a new invitation go through.
  await putOnPaidPlan(org.id);
  await testDb().user.update({ where: { id: caller.userId }, data: { isPlatformAdmin: true } });
  // Every kind of stored secret for both; their plaintexts must never appear either.
  const passwordHash = await hashPassword(TEST_PASSWORD);
  const plaintexts = [
    ...(await giveEverySecret(testDb(), caller.userId, passwordHash)).plaintexts,
    ...(await giveEverySecret(testDb(), colleague.userId, passwordHash)).plaintexts,
  ];

  const invitationToken = createToken();
  plaintexts.push(invitationToken);
  const invitation = await testDb().invitation.create({
    data: {
      orgId: org.id,
      email: `invitee-${randomBytes(4).toString("hex")}@example.com`,
      tokenHash: hashToken(invitationToken),
      invitedById: caller.userId,
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  const project = await testDb().project.create({
    data: { orgId: org.id, name: "The colleague's project", createdById: colleague.userId },
  });
  const dataExport = await requestDataExport(caller.userId);
  await buildDataExport(dataExport.id);

  const params: Record<string, unknown> = {
    org: org.slug,
    projectId: project.id,
    membershipId: colleague.membershipId,
    invitationId: invitation.id,
    exportId: dataExport.id,
    nextauth: ["session"],
    path: ["unknown"],
  };
  return { caller, colleague, params, plaintexts };
}

type Seeded = Awaited<ReturnType<typeof seed>>;

/** What each endpoint must show, so that searching its answer means something: the users in it. */
function usersShown({ caller, colleague }: Seeded): Record<string, string[]> {
  return {
    "GET app/api/auth/[...nextauth]/route.ts": [caller.userId],
    "GET app/api/account/exports/[exportId]/route.ts": [caller.email],
    "GET app/api/orgs/[org]/members/route.ts": [caller.email, colleague.email],
    "GET app/api/orgs/[org]/invitations/route.ts": [caller.email],
    "GET app/api/orgs/[org]/projects/route.ts": [colleague.email],
    "GET app/api/orgs/[org]/projects/[projectId]/route.ts": [colleague.email],
    "GET app/api/orgs/[org]/audit/export/route.ts": [caller.email],
    "GET app/api/admin/audit/export/route.ts": [caller.email],
    "POST app/api/orgs/[org]/invitations/route.ts": [caller.email],
    "POST app/api/orgs/[org]/invitations/[invitationId]/resend/route.ts": [caller.email],
    "POST app/api/orgs/[org]/projects/route.ts": [caller.email],
    "PATCH app/api/orgs/[org]/projects/[projectId]/route.ts": [colleague.email],
    "PATCH app/api/orgs/[org]/members/[membershipId]/route.ts": [colleague.email],
    "POST app/api/orgs/[org]/members/transfer/route.ts": [colleague.email],
  };
}

/**
 * The endpoints besides GET that answer with a body, called first, in this order, with a valid body.
 * The transfer comes last: it makes the caller an admin (who still reads everything the GET
 * endpoints show), and the colleague the owner.
 */
function writes({ colleague }: Seeded): [endpoint: string, body: unknown][] {
  return [
    ["PATCH app/api/orgs/[org]/route.ts", { name: "Renamed" }],
    ["POST app/api/orgs/route.ts", { name: "Another org", slug: uniqueSlug() }],
    ["POST app/api/orgs/[org]/projects/route.ts", { name: "The caller's project" }],
    ["PATCH app/api/orgs/[org]/projects/[projectId]/route.ts", { description: "Edited by the owner" }],
    [
      "POST app/api/orgs/[org]/invitations/route.ts",
      { email: `new-${randomBytes(4).toString("hex")}@example.com` },
    ],
    ["POST app/api/orgs/[org]/invitations/[invitationId]/resend/route.ts", undefined],
    ["PATCH app/api/orgs/[org]/members/[membershipId]/route.ts", { role: "ADMIN" }],
    ["POST app/api/orgs/[org]/members/transfer/route.ts", { membershipId: colleague.membershipId }],
  ];
}

/** "app/api/orgs/[org]/members/route.ts" with its params → "/api/orgs/acme/members". */
function pathOf(file: string, params: Record<string, unknown>): string {
  const path = file
    .replace(/^app/, "")
    .replace(/\/route\.ts$/, "")
    .replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, name: string) => [params[name]].flat().join("/"));
  return path;
}

/** The text of a response; a zip (the data export) is unpacked and every file read. */
async function responseText(response: Response): Promise<string> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.headers.get("content-type")?.includes("zip")) {
    return Object.values(unzipSync(bytes))
      .map((file) => new TextDecoder().decode(file))
      .join("\n");
  }
  return new TextDecoder().decode(bytes);
}

/**
 * Every secret value stored now for the two users and their organizations, including those the
 * calls created (the new invitation's token, the resent one's).
 */
async function storedSecrets({ caller, colleague }: Seeded): Promise<string[]> {
  const db = testDb();
  const userIds = [caller.userId, colleague.userId];
  const users = await db.user.findMany({
    where: { id: { in: userIds } },
    select: { passwordHash: true, mfaSecretEncrypted: true },
  });
  const codes = await db.recoveryCode.findMany({
    where: { userId: { in: userIds } },
    select: { codeHash: true },
  });
  const tokens = await db.authToken.findMany({
    where: { userId: { in: userIds } },
    select: { tokenHash: true },
  });
  const invitations = await db.invitation.findMany({
    where: { invitedById: { in: userIds } },
    select: { tokenHash: true },
  });
  const values = [
    ...users.flatMap((user) => [user.passwordHash, user.mfaSecretEncrypted]),
    ...codes.map((code) => code.codeHash),
    ...tokens.map((token) => token.tokenHash),
    ...invitations.map((invitation) => invitation.tokenHash),
  ];
  expect(values.every((value) => typeof value === "string" && value.length >= 32)).toBe(true);
  return values as string[];
}

describe("no secret in any response", () => {
  it("every endpoint that answers with a body answers without a stored secret", async () => {
    const seeded = await seed();
    const { caller, params, plaintexts } = seeded;
    // MFA passed and a fresh sign-in: admin areas and step-up endpoints (the transfer) let it in.
    const cookie = await sessionCookieFor(caller.userId, { mfa: "verified" });
    const endpoints = (await scanEndpoints())
      .filter((endpoint) => endpoint.kind === "route")
      .map((endpoint) => `${endpoint.exportName} ${endpoint.file}`);

    const bodies = new Map(writes(seeded));
    const unclassified = endpoints.filter(
      (endpoint) =>
        !endpoint.startsWith("GET ") && !bodies.has(endpoint) && !(endpoint in ANSWERS_WITHOUT_A_BODY),
    );
    expect(
      unclassified,
      "add each to WRITES (with a body) or ANSWERS_WITHOUT_A_BODY (with the reason)",
    ).toEqual([]);

    const answers: { endpoint: string; status: number; text: string }[] = [];
    // The writes first, so the audit log exports read after them hold their events.
    const toCall = [...bodies.keys(), ...endpoints.filter((endpoint) => endpoint.startsWith("GET "))];
    for (const endpoint of toCall) {
      const [method, file] = endpoint.split(" ") as [string, string];
      const module = (await import(`@/${file.replace(/\.ts$/, "")}`)) as Record<string, Handler>;
      const handler = module[method] as Handler;
      const needed = [...file.matchAll(/\[(?:\.\.\.)?(\w+)\]/g)].map((match) => match[1] as string);
      const routeParams = Object.fromEntries(needed.map((name) => [name, params[name]]));
      // Next.js hands route handlers a NextRequest (next-auth reads its nextUrl).
      const request = new NextRequest(
        appRequest(pathOf(file, routeParams), { method, cookie, ip: freshIp(), body: bodies.get(endpoint) }),
      );
      const response = await inRequestScope(request, () =>
        handler(request, { params: Promise.resolve(routeParams) }),
      );
      answers.push({ endpoint, status: response.status, text: await responseText(response) });
    }

    // Each endpoint answered with what it shows: otherwise the search below proves nothing.
    for (const { endpoint, status, text } of answers) {
      const expected = GET_NOT_2XX[endpoint];
      if (expected) expect(status, `${endpoint}: ${text}`).toBe(expected);
      else expect(status >= 200 && status < 300, `${endpoint} answered ${status}: ${text}`).toBe(true);
    }
    const shown = usersShown(seeded);
    for (const [endpoint, values] of Object.entries(shown)) {
      const answer = answers.find((candidate) => candidate.endpoint === endpoint);
      expect(answer, `${endpoint} was not called`).toBeDefined();
      for (const value of values) expect(answer?.text, `${endpoint} should show ${value}`).toContain(value);
    }

    // next-auth's session payload is read by the browser: the user id and the MFA state, nothing else.
    const session = answers.find((answer) => answer.endpoint === "GET app/api/auth/[...nextauth]/route.ts");
    expect(JSON.parse(session?.text ?? "null")).toEqual({
      expires: expect.any(String),
      user: { id: caller.userId, mfa: "verified" },
    });

    const secrets = [...SECRET_MARKERS, ...plaintexts, ...(await storedSecrets(seeded))];
    for (const { endpoint, status, text } of answers) {
      const leaked = secrets.filter((secret) => text.includes(secret));
      expect(leaked, `${endpoint} answered ${status} with stored secrets`).toEqual([]);
    }
  });
});
