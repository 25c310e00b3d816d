// The code checks fail closed: with the rate-limit store down, no TOTP, recovery or step-up guess is
// even checked. The app's limiter is pointed at a Redis port where nothing listens.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthFlowError, reauthenticate, verifyMfaChallenge } from "@/lib/auth";
import { disconnectRateLimiter } from "@/lib/ratelimit";
import { testDb } from "../support/db";
import { closedPort } from "../support/services";
import { createTestUser, TEST_PASSWORD } from "../support/users";

const previousRedisUrl = process.env.REDIS_URL;
const client = { ip: "203.0.113.7" };

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
  try {
    await promise;
    return null;
  } catch (error) {
    if (error instanceof AuthFlowError) return { status: error.status, code: error.code };
    throw error;
  }
}

describe("MFA and step-up with the rate-limit store down", () => {
  it("refuse every attempt with 503 rather than check codes without a limit, and record why", async () => {
    const user = await createTestUser();
    await testDb().user.update({ where: { id: user.id }, data: { mfaEnabledAt: new Date() } });
    const unavailable = { status: 503, code: "rate_limit_unavailable" };
    expect(await refusal(verifyMfaChallenge(user.id, "123456", client))).toEqual(unavailable);
    expect(await refusal(reauthenticate(user.id, { password: TEST_PASSWORD }, client))).toEqual(unavailable);

    const limited = await testDb().auditEvent.findMany({
      where: { actorId: user.id, action: "auth.rate_limited" },
      orderBy: { seq: "asc" },
      select: { metadata: true },
    });
    expect(limited.map((e) => e.metadata)).toEqual([
      { policy: "totp-account", reason: "store_unavailable" },
      { policy: "reauth-account", reason: "store_unavailable" },
    ]);
    // Nothing was checked, so nothing was spent or recorded as a challenge.
    expect(
      await testDb().auditEvent.count({ where: { actorId: user.id, action: "auth.mfa.challenged" } }),
    ).toBe(0);
  });
});
