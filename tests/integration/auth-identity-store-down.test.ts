// The identity flows fail closed: with the rate-limit store down, no account is created, no mail is
// sent and no password is checked. The app's limiter is pointed at a Redis port where nothing listens.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthFlowError,
  changePassword,
  deviceSetCookie,
  requestEmailChange,
  requestPasswordReset,
  resendVerificationEmail,
  signInWithPassword,
  signUp,
} from "@/lib/auth";
import { disconnectRateLimiter } from "@/lib/ratelimit";
import { testDb } from "../support/db";
import { mailTo } from "../support/mail";
import { setsSessionCookie, signInThroughNextAuth } from "../support/next-auth-requests";
import { closedPort } from "../support/services";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

const previousRedisUrl = process.env.REDIS_URL;

beforeAll(async () => {
  await disconnectRateLimiter();
  process.env.REDIS_URL = `redis://127.0.0.1:${await closedPort()}`;
});

afterAll(async () => {
  await disconnectRateLimiter();
  if (previousRedisUrl === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = previousRedisUrl;
});

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AuthFlowError)) throw new Error(`expected an AuthFlowError, got ${String(error)}`);
  return { status: error.status, code: error.code };
}

const unavailable = { status: 503, code: "rate_limit_unavailable" };
const staleAuthAt = () => Date.now() - 11 * 60_000;

describe("identity flows with the rate-limit store down", () => {
  it("sign-up creates nothing and sends nothing", async () => {
    const email = `store-down-${randomUUID()}@example.com`;
    expect(
      await refusal(signUp({ email, password: "marble orchard kettle lantern", ip: freshIp() })),
    ).toEqual(unavailable);
    expect(await testDb().user.count({ where: { email } })).toBe(0);
    expect(await mailTo(email)).toEqual([]);
  });

  it("a reset request sends nothing, known address or not", async () => {
    const user = await createTestUser();
    for (const email of [user.email, `nobody-${randomUUID()}@example.com`]) {
      expect(await refusal(requestPasswordReset({ email, ip: freshIp() }))).toEqual(unavailable);
    }
    expect(await mailTo(user.email)).toEqual([]);
    expect(await testDb().authToken.count({ where: { userId: user.id } })).toBe(0);
  });

  it("password and email changes check no password and change nothing", async () => {
    const user = await createTestUser();
    const base = { userId: user.id, currentPassword: TEST_PASSWORD, authAt: staleAuthAt(), ip: freshIp() };
    expect(await refusal(changePassword({ ...base, newPassword: "walnut cinder ferry lighthouse" }))).toEqual(
      unavailable,
    );
    expect(
      await refusal(requestEmailChange({ ...base, newEmail: `new-${randomUUID()}@example.com` })),
    ).toEqual(unavailable);
    const after = await testDb().user.findUniqueOrThrow({
      where: { id: user.id },
      omit: { passwordHash: false },
    });
    expect(after).toMatchObject({ passwordHash: user.passwordHash, sessionVersion: user.sessionVersion });
    const blocks = await testDb().auditEvent.findMany({
      where: { actorId: user.id, action: "auth.rate_limited" },
      orderBy: { seq: "asc" },
      select: { metadata: true },
    });
    expect(blocks.map((event) => event.metadata)).toEqual([
      { policy: "reauth-account", reason: "store_unavailable" },
      { policy: "email-change-account", reason: "store_unavailable" },
    ]);
  });

  it("sign-in through next-auth answers 503 with the form's error, and starts no session", async () => {
    const user = await createTestUser();
    const response = await (
      await signInThroughNextAuth({ email: user.email, password: TEST_PASSWORD }, freshIp())
    ).finished;
    expect(response.status).toBe(503);
    expect(response.headers.get("ratelimit-policy")).toBe('"sign-in-ip";q=20;w=900');
    expect(setsSessionCookie(response)).toBe(false);
    const { url } = (await response.json()) as { url: string };
    expect(new URL(url).searchParams.get("error")).toBe("unavailable");
  });

  it("a browser holding the account's device cookie gets no way around it: 503, no session", async () => {
    // Device cookies swap the account's limit for the device's own (lib/auth/device-cookie.ts, decision 0027); with
    // the store down that budget can't be counted either, so the known browser is refused too.
    const user = await createTestUser();
    const deviceCookie = deviceSetCookie({ id: user.id, email: user.email }).split(";")[0];
    const response = await (
      await signInThroughNextAuth({ email: user.email, password: TEST_PASSWORD }, freshIp(), deviceCookie)
    ).finished;
    expect(response.status).toBe(503);
    expect(setsSessionCookie(response)).toBe(false);
    const { url } = (await response.json()) as { url: string };
    expect(new URL(url).searchParams.get("error")).toBe("unavailable");
  });

  it("password sign-in checks no password, the right one or a wrong one, and answers 'unavailable'", async () => {
    const user = await createTestUser();
    const ips = [freshIp(), freshIp()];
    for (const [i, password] of [TEST_PASSWORD, "not the password"].entries()) {
      expect(await signInWithPassword({ email: user.email, password, ip: ips[i] as string })).toMatchObject({
        ok: false,
        code: "unavailable",
      });
    }
    // Nothing was checked: no failure counted towards the lockout, no sign-in or failure recorded,
    // only the refusals.
    const after = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after).toMatchObject({ failedSignInCount: 0, lockedUntil: null, lastSignInAt: null });
    expect(
      await testDb().auditEvent.count({ where: { OR: [{ actorId: user.id }, { targetId: user.id }] } }),
    ).toBe(0);
    const refusals = await testDb().auditEvent.findMany({
      where: { action: "auth.rate_limited", actorIp: { in: ips } },
      select: { metadata: true },
    });
    expect(refusals).toEqual([
      { metadata: { policy: "sign-in-ip", reason: "store_unavailable" } },
      { metadata: { policy: "sign-in-ip", reason: "store_unavailable" } },
    ]);
  });

  it("resend answers as always but sends nothing", async () => {
    const user = await testDb().user.create({ data: { email: `unverified-${randomUUID()}@example.com` } });
    const result = await resendVerificationEmail({ userId: user.id, ip: freshIp() });
    await result.background;
    expect(Object.keys(result)).toEqual(["background"]);
    expect(await mailTo(user.email)).toEqual([]);
  });
});
