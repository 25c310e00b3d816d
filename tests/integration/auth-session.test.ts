import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  checkSession,
  currentUserFromRequest,
  readAuthConfig,
  revokeAllSessions,
  SESSION_CHECK_CACHE_MS,
  SessionRevokedError,
  startSession,
} from "@/lib/auth";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";

// The absolute lifetime as configured (AUTH_SESSION_MAX_DAYS), the value the app checks sessions with.
const limits = { maxAgeSeconds: readAuthConfig(process.env).sessionMaxSeconds };
const lifetimeMs = limits.maxAgeSeconds * 1000;

async function createUser(data: { mfaEnabledAt?: Date } = {}) {
  return testDb().user.create({ data: { email: `session-${randomUUID()}@example.com`, ...data } });
}

async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof SessionRevokedError) return error.reason;
    throw error;
  }
}

describe("sessions", () => {
  it("start with the user's current sessionVersion and ask for MFA when it is on", async () => {
    const plain = await createUser();
    const withMfa = await createUser({ mfaEnabledAt: new Date() });
    expect(await startSession(testDb(), plain.id, 1_000)).toEqual({
      uid: plain.id,
      sid: expect.any(String),
      sv: 1,
      signedInAt: 1_000,
      authAt: 1_000,
      mfa: "none",
    });
    expect((await startSession(testDb(), withMfa.id)).mfa).toBe("pending");
  });

  it("stay valid until revoked, then every existing session is refused at once on this instance", async () => {
    const user = await createUser();
    const first = await startSession(testDb(), user.id);
    const second = await startSession(testDb(), user.id);
    expect(await checkSession(testDb(), first, limits)).toEqual(first);

    await revokeAllSessions(testDb(), user.id);
    expect(await rejection(checkSession(testDb(), first, limits))).toBe("revoked");
    expect(await rejection(checkSession(testDb(), second, limits))).toBe("revoked");

    const fresh = await startSession(testDb(), user.id);
    expect(await checkSession(testDb(), fresh, limits)).toEqual(fresh);
  });

  it("notice a revocation made elsewhere (another instance) once the short cache expires", async () => {
    const user = await createUser();
    const claims = await startSession(testDb(), user.id);
    const now = Date.now();
    await checkSession(testDb(), claims, { ...limits, now });
    // Another instance bumps the version straight in the database.
    await testDb().user.update({ where: { id: user.id }, data: { sessionVersion: { increment: 1 } } });
    const later = now + SESSION_CHECK_CACHE_MS + 1;
    expect(await rejection(checkSession(testDb(), claims, { ...limits, now: later }))).toBe("revoked");
  });

  it("end after the configured absolute lifetime however active they are", async () => {
    const user = await createUser();
    const now = Date.now();
    const justWithin = await startSession(testDb(), user.id, now - lifetimeMs + 60_000);
    const justPast = await startSession(testDb(), user.id, now - lifetimeMs - 1_000);
    expect(await checkSession(testDb(), justWithin, { ...limits, now })).toEqual(justWithin);
    expect(await rejection(checkSession(testDb(), justPast, { ...limits, now }))).toBe("expired");

    // A request carrying each session, checked as every page and route checks it.
    const signedInAs = async (signedInAt: number) => {
      const cookie = await sessionCookieFor(user.id, { signedInAt, authAt: signedInAt });
      return (await currentUserFromRequest(appRequest("/account", { cookie })))?.id ?? null;
    };
    expect(await signedInAs(Date.now() - lifetimeMs + 60_000)).toBe(user.id);
    expect(await signedInAs(Date.now() - lifetimeMs - 1_000)).toBeNull();
  });

  it("end when the account is disabled or deleted", async () => {
    const disabled = await createUser();
    const claims = await startSession(testDb(), disabled.id);
    await testDb().user.update({ where: { id: disabled.id }, data: { disabledAt: new Date() } });
    expect(
      await rejection(
        checkSession(testDb(), claims, { ...limits, now: Date.now() + SESSION_CHECK_CACHE_MS + 1 }),
      ),
    ).toBe("disabled");

    const deleted = await createUser();
    const orphan = await startSession(testDb(), deleted.id);
    await testDb().user.delete({ where: { id: deleted.id } });
    expect(
      await rejection(
        checkSession(testDb(), orphan, { ...limits, now: Date.now() + SESSION_CHECK_CACHE_MS + 1 }),
      ),
    ).toBe("user_gone");
  });
});
