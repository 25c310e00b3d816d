// Rewriting the current session (decision 0013), checked the way the app checks sessions: through
// the route wrapper with a real cookie. What a pending MFA session may reach, what the challenge and
// a step-up change, and that a revoked session can't be brought back by a patch.
import { decode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import {
  NoCurrentSessionError,
  patchSessionToken,
  readAuthConfig,
  reauthenticate,
  revokeAllSessions,
  type SessionClaims,
  STEP_UP_MAX_AGE_MS,
  sessionCookieName,
} from "@/lib/auth";
import { route } from "@/lib/http";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

const tokenOf = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);
const cookieOf = (token: string) => `${sessionCookieName()}=${token}`;

const whoAmI = route({ auth: "user", rateLimit: "api-user", input: {} }, (ctx) => ({ id: ctx.user.id }));
const challengeOnly = route({ auth: "session", rateLimit: "api-user", input: {} }, (ctx) => ({
  mfa: ctx.user?.mfa,
}));
const sensitive = route({ auth: "user", rateLimit: "api-user", input: {}, stepUp: true }, () => ({
  done: true,
}));

async function call(handler: typeof whoAmI, token: string) {
  const response = await handler(appRequest("/api/x", { cookie: cookieOf(token), ip: freshIp() }));
  return { status: response.status, body: await response.json() };
}

/** A real step-up by `userId`'s password: the only kind of value that moves a session's authAt. */
const proofBy = (userId: string) =>
  reauthenticate(userId, { password: TEST_PASSWORD }, { ip: freshIp(), userAgent: "vitest" });

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error instanceof NoCurrentSessionError ? error.code : String(error);
  }
}

describe("an MFA-pending session", () => {
  it("reaches only session-level endpoints until the challenge marks it verified", async () => {
    const user = await createTestUser();
    await testDb().user.update({ where: { id: user.id }, data: { mfaEnabledAt: new Date() } });
    const pending = tokenOf(await sessionCookieFor(user.id));

    expect(await call(whoAmI, pending)).toMatchObject({
      status: 401,
      body: { error: { code: "mfa_required" } },
    });
    expect(await call(challengeOnly, pending)).toEqual({ status: 200, body: { mfa: "pending" } });

    const { token, claims } = await patchSessionToken(pending, {
      mfa: "verified",
      reauthentication: await proofBy(user.id),
    });
    expect(claims).toMatchObject({ uid: user.id, mfa: "verified" });
    expect(await call(whoAmI, token)).toEqual({ status: 200, body: { id: user.id } });
  });
});

describe("patchSessionToken", () => {
  it("keeps the session's identity and start, encodes it as next-auth does, and changes only the patch", async () => {
    const user = await createTestUser();
    const signedInAt = Date.now() - 60_000;
    const original = tokenOf(await sessionCookieFor(user.id, { signedInAt, authAt: signedInAt }));
    const reauthentication = await proofBy(user.id);
    const { token } = await patchSessionToken(original, { reauthentication });
    const config = readAuthConfig(process.env);
    const decoded = (await decode({ token, secret: config.authSecret })) as SessionClaims & {
      iat: number;
      exp: number;
    };
    expect(decoded).toMatchObject({
      sub: user.id,
      uid: user.id,
      sv: 1,
      signedInAt,
      authAt: reauthentication.at,
      mfa: "none",
    });
    // next-auth's idle expiry, counted from now.
    expect(decoded.exp - decoded.iat).toBe(config.sessionIdleSeconds);
  });

  it("renews the step-up window: a 10-minute-old re-authentication is refused, a fresh one admitted", async () => {
    const user = await createTestUser();
    const stale = tokenOf(
      await sessionCookieFor(user.id, { authAt: Date.now() - STEP_UP_MAX_AGE_MS - 1_000 }),
    );
    expect(await call(sensitive, stale)).toMatchObject({
      status: 403,
      body: { error: { code: "step_up_required" } },
    });
    const { token } = await patchSessionToken(stale, { reauthentication: await proofBy(user.id) });
    expect(await call(sensitive, token)).toEqual({ status: 200, body: { done: true } });
  });

  it("refuses another user's re-authentication", async () => {
    const user = await createTestUser();
    const someoneElse = await createTestUser();
    const stale = tokenOf(
      await sessionCookieFor(user.id, { authAt: Date.now() - STEP_UP_MAX_AGE_MS - 1_000 }),
    );
    expect(await refusal(patchSessionToken(stale, { reauthentication: await proofBy(someoneElse.id) }))).toBe(
      "unauthenticated",
    );
  });

  it("keeps this session after revoking all others only with the new version, never revives a revoked one", async () => {
    const user = await createTestUser();
    const mine = tokenOf(await sessionCookieFor(user.id));
    const other = tokenOf(await sessionCookieFor(user.id));
    await revokeAllSessions(testDb(), user.id);
    const { sessionVersion } = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });

    // Without the new version (or with a stale one), a revoked session stays revoked.
    expect(await refusal(patchSessionToken(other, { reauthentication: await proofBy(user.id) }))).toBe(
      "unauthenticated",
    );
    expect(await refusal(patchSessionToken(other, { sv: sessionVersion - 1 }))).toBe("unauthenticated");

    const { token } = await patchSessionToken(mine, { sv: sessionVersion });
    expect(await call(whoAmI, token)).toEqual({ status: 200, body: { id: user.id } });
    expect((await call(whoAmI, other)).status).toBe(401);
  });

  it("refuses a disabled account, a session past its absolute lifetime, and a forged token", async () => {
    const disabled = await createTestUser();
    const token = tokenOf(await sessionCookieFor(disabled.id));
    await testDb().user.update({ where: { id: disabled.id }, data: { disabledAt: new Date() } });
    expect(await refusal(patchSessionToken(token, { reauthentication: await proofBy(disabled.id) }))).toBe(
      "unauthenticated",
    );

    const user = await createTestUser();
    const old = tokenOf(await sessionCookieFor(user.id, { signedInAt: Date.now() - 31 * 86_400_000 }));
    expect(await refusal(patchSessionToken(old, { reauthentication: await proofBy(user.id) }))).toBe(
      "unauthenticated",
    );
    expect(await refusal(patchSessionToken("not-a-token", { mfa: "verified" }))).toBe("unauthenticated");
  });
});
