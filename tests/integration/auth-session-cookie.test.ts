// Rewriting the current session (decision 0013), checked the way the app checks sessions: through
// the route wrapper with a real cookie. What a pending MFA session may reach, what the challenge and
// a step-up change, and that a revoked session can't be brought back by a patch.
import { decode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import {
  NoCurrentSessionError,
  patchSessionToken,
  readAuthConfig,
  revokeAllSessions,
  type SessionClaims,
  STEP_UP_MAX_AGE_MS,
  sessionCookieName,
} from "@/lib/auth";
import { route } from "@/lib/http";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp } from "../support/users";

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

    const { token, claims } = await patchSessionToken(pending, { mfa: "verified", authAt: Date.now() });
    expect(claims).toMatchObject({ uid: user.id, mfa: "verified" });
    expect(await call(whoAmI, token)).toEqual({ status: 200, body: { id: user.id } });
  });
});

describe("patchSessionToken", () => {
  it("keeps the session's identity and start, encodes it as next-auth does, and changes only the patch", async () => {
    const user = await createTestUser();
    const signedInAt = Date.now() - 60_000;
    const original = tokenOf(await sessionCookieFor(user.id, { signedInAt, authAt: signedInAt }));
    const { token } = await patchSessionToken(original, { authAt: signedInAt + 1 });
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
      authAt: signedInAt + 1,
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
    const { token } = await patchSessionToken(stale, { authAt: Date.now() });
    expect(await call(sensitive, token)).toEqual({ status: 200, body: { done: true } });
  });

  it("keeps this session after revoking all others only with the new version, never revives a revoked one", async () => {
    const user = await createTestUser();
    const mine = tokenOf(await sessionCookieFor(user.id));
    const other = tokenOf(await sessionCookieFor(user.id));
    await revokeAllSessions(testDb(), user.id);
    const { sessionVersion } = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });

    // Without the new version (or with a stale one), a revoked session stays revoked.
    expect(await refusal(patchSessionToken(other, { authAt: Date.now() }))).toBe("unauthenticated");
    expect(await refusal(patchSessionToken(other, { sv: sessionVersion - 1 }))).toBe("unauthenticated");

    const { token } = await patchSessionToken(mine, { sv: sessionVersion });
    expect(await call(whoAmI, token)).toEqual({ status: 200, body: { id: user.id } });
    expect((await call(whoAmI, other)).status).toBe(401);
  });

  it("refuses a disabled account, a session past its absolute lifetime, and a forged token", async () => {
    const disabled = await createTestUser();
    const token = tokenOf(await sessionCookieFor(disabled.id));
    await testDb().user.update({ where: { id: disabled.id }, data: { disabledAt: new Date() } });
    expect(await refusal(patchSessionToken(token, { authAt: Date.now() }))).toBe("unauthenticated");

    const user = await createTestUser();
    const old = tokenOf(await sessionCookieFor(user.id, { signedInAt: Date.now() - 31 * 86_400_000 }));
    expect(await refusal(patchSessionToken(old, { authAt: Date.now() }))).toBe("unauthenticated");
    expect(await refusal(patchSessionToken("not-a-token", { mfa: "verified" }))).toBe("unauthenticated");
  });
});
