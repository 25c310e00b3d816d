// No secret leaves the server in a response. A user with every kind of secret the app stores (a
// password hash, an encrypted TOTP secret, recovery code hashes, emailed-token hashes, an invitation
// token hash) calls every GET endpoint of the app, as a platform admin with MFA passed and the owner
// of an organization with a project and a pending invitation, so each endpoint answers with as much
// as it ever shows. Every answer is searched for each secret; next-auth's session payload is checked apart.
// A new GET route is covered automatically: the endpoints come from the same scan as the coverage test.
import { randomBytes } from "node:crypto";
import { unzipSync } from "fflate";
import { NextRequest } from "next/server";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  authOptions,
  createToken,
  encryptSecret,
  generateRecoveryCodes,
  generateTotpSecret,
  hashToken,
} from "@/lib/auth";
import { scanEndpoints } from "@/tools/route-coverage";
import { putOnPaidPlan } from "../support/billing";
import { testDb } from "../support/db";
import { createTestOrg } from "../support/orgs";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { freshIp } from "../support/users";

// putOnPaidPlan turned billing on for this file.
afterAll(() => {
  vi.unstubAllEnvs();
});

type Handler = (
  request: Request,
  context?: { params: Promise<Record<string, unknown>> },
) => Promise<Response>;

async function userWithEverySecret() {
  const { org, owner } = await createTestOrg(["OWNER"]);
  // Every paid feature, so the audit export answers with data instead of "upgrade".
  await putOnPaidPlan(org.id);
  const userId = owner().userId;
  const totpSecret = generateTotpSecret();
  const recovery = await generateRecoveryCodes();
  await testDb().user.update({
    where: { id: userId },
    data: {
      passwordHash:
        "$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0LXNhbHQtdmFsdWU$bm90LWEtcmVhbC1oYXNoLWJ1dC1zZWNyZXQ",
      isPlatformAdmin: true,
      mfaEnabledAt: new Date(),
      mfaSecretEncrypted: encryptSecret(totpSecret, `user:${userId}:totp`),
    },
  });
  await testDb().recoveryCode.createMany({
    data: recovery.hashes.map((codeHash) => ({ userId, codeHash })),
  });
  const emailed = { token: createToken() } as { token: string; hash: string };
  emailed.hash = hashToken(emailed.token);
  await testDb().authToken.create({
    data: {
      userId,
      purpose: "PASSWORD_RESET",
      tokenHash: emailed.hash,
      expiresAt: new Date(Date.now() + 60_000),
    },
  });
  const invitationToken = { token: createToken() } as { token: string; hash: string };
  invitationToken.hash = hashToken(invitationToken.token);
  const invitation = await testDb().invitation.create({
    data: {
      orgId: org.id,
      email: `invitee-${randomBytes(4).toString("hex")}@example.com`,
      tokenHash: invitationToken.hash,
      invitedById: userId,
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  const project = await testDb().project.create({
    data: { orgId: org.id, name: "Secret-free project", createdById: userId },
  });
  const user = await testDb().user.findUniqueOrThrow({ where: { id: userId } });
  const secrets: Record<string, string> = {
    "password hash": user.passwordHash as string,
    "argon2 prefix": "$argon2",
    "encrypted TOTP secret": user.mfaSecretEncrypted as string,
    "TOTP secret": totpSecret,
    "emailed token": emailed.token,
    "emailed token hash": emailed.hash,
    "invitation token": invitationToken.token,
    "invitation token hash": invitationToken.hash,
  };
  recovery.hashes.forEach((hash, index) => {
    secrets[`recovery code hash ${index + 1}`] = hash;
  });
  recovery.codes.forEach((code, index) => {
    secrets[`recovery code ${index + 1}`] = code;
  });
  const params: Record<string, unknown> = {
    org: org.slug,
    projectId: project.id,
    membershipId: owner().membershipId,
    invitationId: invitation.id,
    path: ["unknown"],
  };
  return { userId, params, secrets };
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

describe("no secret in any response", () => {
  it("every GET endpoint answers without a single stored secret", async () => {
    const { userId, params, secrets } = await userWithEverySecret();
    const cookie = await sessionCookieFor(userId, { mfa: "verified" });
    const getRoutes = (await scanEndpoints()).filter(
      (endpoint) => endpoint.kind === "route" && endpoint.exportName === "GET",
    );

    const statuses: Record<string, number> = {};
    for (const endpoint of getRoutes) {
      const module = (await import(`@/${endpoint.file.replace(/\.ts$/, "")}`)) as Record<string, Handler>;
      const handler = module.GET as Handler;
      const needed = [...endpoint.file.matchAll(/\[(?:\.\.\.)?(\w+)\]/g)].map((match) => match[1] as string);
      const routeParams = Object.fromEntries(needed.map((name) => [name, params[name] ?? "unknown"]));
      // Next.js hands route handlers a NextRequest (next-auth reads its nextUrl).
      const request = new NextRequest(appRequest(`/${endpoint.file}`, { cookie, ip: freshIp() }));
      const response = await handler(request, {
        params: Promise.resolve(routeParams),
      });
      const text = await responseText(response);
      for (const [name, secret] of Object.entries(secrets)) {
        expect(text.includes(secret), `${endpoint.file} answered ${response.status} with the ${name}`).toBe(
          false,
        );
      }
      statuses[endpoint.file] = response.status;
    }
    // The search means something only if the endpoints that show users and their data answered.
    expect(statuses).toMatchObject({
      "app/api/orgs/[org]/members/route.ts": 200,
      "app/api/orgs/[org]/invitations/route.ts": 200,
      "app/api/orgs/[org]/route.ts": 200,
      "app/api/orgs/[org]/audit/export/route.ts": 200,
      "app/api/admin/audit/export/route.ts": 200,
    });
  });

  it("next-auth's session payload (GET /api/auth/session) carries only the user id and the MFA state", async () => {
    const session = await authOptions().callbacks?.session?.({
      session: { expires: "2030-01-01T00:00:00.000Z", user: { name: "x", email: "x@example.com" } },
      token: { uid: "user-id", sv: 3, signedInAt: 1, authAt: 2, mfa: "verified", email: "x@example.com" },
    } as never);
    expect(session).toEqual({
      expires: "2030-01-01T00:00:00.000Z",
      user: { id: "user-id", mfa: "verified" },
    });
  });
});
