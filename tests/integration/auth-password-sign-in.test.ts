import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LOCKOUT } from "@/lib/auth";
import { signInWithPassword } from "@/lib/auth/password-sign-in";
import { RATE_LIMIT_POLICIES } from "@/lib/ratelimit";
import { testDb } from "../support/db";
import { setsSessionCookie, signInThroughNextAuth } from "../support/next-auth-requests";
import { createTestUser, freshIp, lockOutBySignInFailures, TEST_PASSWORD } from "../support/users";

function eventsFor(filter: { targetId?: string; actorId?: string; actorIp?: string }) {
  return testDb().auditEvent.findMany({
    where: filter,
    orderBy: { seq: "asc" },
    select: { action: true, actorType: true, metadata: true },
  });
}

describe("signInWithPassword", () => {
  it("signs in with the right password and records the success with the user as actor", async () => {
    const user = await createTestUser();
    const ip = freshIp();
    expect(
      await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip, userAgent: "vitest" }),
    ).toMatchObject({
      ok: true,
      userId: user.id,
    });
    const events = await eventsFor({ actorId: user.id });
    expect(events).toEqual([
      { action: "auth.sign_in.succeeded", actorType: "USER", metadata: { method: "password" } },
    ]);
  });

  it("leaves the address out of the audit event when the client IP is unknown", async () => {
    const user = await createTestUser();
    expect(
      await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip: "unknown" }),
    ).toMatchObject({
      ok: true,
    });
    const [event] = await testDb().auditEvent.findMany({ where: { actorId: user.id } });
    expect(event?.actorIp).toBeNull();
  });

  it("records a failure against the account as target, with an anonymous actor", async () => {
    const user = await createTestUser();
    const result = await signInWithPassword({
      email: user.email,
      password: "wrong password here",
      ip: freshIp(),
    });
    expect(result).toMatchObject({ ok: false, code: "invalid_credentials" });
    expect(await eventsFor({ targetId: user.id })).toEqual([
      {
        action: "auth.sign_in.failed",
        actorType: "ANONYMOUS",
        metadata: { method: "password", detail: "wrong_password" },
      },
    ]);
  });

  it("counts only failed attempts against the account's limit: a person may sign in often", async () => {
    const user = await createTestUser();
    // sign-in-account allows 10 attempts per 15 minutes; successful ones are given back.
    const outcomes = [];
    for (let i = 0; i < 15; i++) {
      const result = await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip: freshIp() });
      outcomes.push(result.ok);
    }
    expect(outcomes).toEqual(Array(15).fill(true));
  });

  it("refuses an address past the sign-in-ip limit (the 21st attempt in 15 minutes), whichever accounts it tried", async () => {
    // 20 per 15 minutes when written; the test follows the table.
    const { limit } = RATE_LIMIT_POLICIES["sign-in-ip"];
    const ip = freshIp();
    for (let i = 0; i < limit; i++) {
      const guess = { email: `guess-${i}-${randomUUID()}@example.com`, password: "a guess", ip };
      expect(await signInWithPassword(guess)).toMatchObject({ ok: false, code: "invalid_credentials" });
    }
    // The next attempt from that address is refused before any password check, even an owner's
    // right password; from another address the same sign-in works.
    const user = await createTestUser();
    expect(await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip })).toMatchObject({
      ok: false,
      code: "rate_limited",
    });
    expect(
      await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip: freshIp() }),
    ).toMatchObject({ ok: true, userId: user.id });
    const refusals = await testDb().auditEvent.findMany({
      where: { action: "auth.rate_limited", actorIp: ip },
      select: { metadata: true },
    });
    expect(refusals).toEqual([{ metadata: { policy: "sign-in-ip", reason: "limited" } }]);
  });

  it("answers a limited sign-in through next-auth with 429, Retry-After and the policy, and the form's error", async () => {
    const { limit } = RATE_LIMIT_POLICIES["sign-in-account"];
    const user = await createTestUser();
    const signIn = async (password: string) =>
      (await signInThroughNextAuth({ email: user.email, password }, freshIp())).finished;
    for (let i = 0; i < limit; i++) expect((await signIn(`wrong ${i}`)).status).toBe(401);

    const refused = await signIn(TEST_PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-policy")).toBe(`"sign-in-account";q=${limit};w=900`);
    expect(setsSessionCookie(refused)).toBe(false);
    // The body is still next-auth's: the sign-in form reads the error from its URL.
    const { url } = (await refused.json()) as { url: string };
    expect(new URL(url).searchParams.get("error")).toBe("rate_limited");
  });

  it("records the lockout once, then refuses the account by its per-account limit", async () => {
    const user = await createTestUser();
    const ip = freshIp();
    await lockOutBySignInFailures(user.email, ip);
    const actions = (await eventsFor({ targetId: user.id })).map((e) => e.action);
    expect(actions.filter((a) => a === "auth.lockout")).toHaveLength(1);
    expect(actions.filter((a) => a === "auth.sign_in.failed")).toHaveLength(LOCKOUT.maxFailures);

    // The 11th attempt within 15 minutes is refused before any password check (sign-in-account: 10 / 15 min).
    const refused = await signInWithPassword({
      email: user.email.toUpperCase(),
      password: TEST_PASSWORD,
      ip: freshIp(),
    });
    expect(refused).toMatchObject({ ok: false, code: "rate_limited" });
    const limited = await testDb().auditEvent.findMany({
      where: { action: "auth.rate_limited", metadata: { path: ["policy"], equals: "sign-in-account" } },
    });
    expect(limited.length).toBeGreaterThan(0);
  });
});
