// Lockout that an attacker can't turn into a denial of service (OWASP's "device cookies"): a
// browser that completed a sign-in to an account (or opened its unlock link) keeps a failure budget
// of its own and is not locked by failures from elsewhere. Everything here goes through next-auth's
// real route handler and the real server actions, with Redis and PostgreSQL.
import { generateSync } from "otplib";
import { describe, expect, it } from "vitest";
import { verifyMfaCodeAction } from "@/app/(auth)/sign-in/mfa/actions";
import { unlockAccountAction } from "@/app/(auth)/unlock/actions";
import {
  confirmMfaEnrolment,
  DEVICE_COOKIE_MAX_AGE_SECONDS,
  deviceSetCookie,
  LOCKOUT,
  pendingEnrolment,
  startMfaEnrolment,
} from "@/lib/auth";
import { submitAction } from "../support/actions";
import { testDb } from "../support/db";
import { linkToken, mailTo } from "../support/mail";
import { callNextAuth, setsSessionCookie, signInThroughNextAuth } from "../support/next-auth-requests";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

/** The `name=value` pairs of the Set-Cookie headers, except next-auth's own cookies. */
function cookiesKept(setCookie: string[]): string[] {
  return setCookie
    .map((header) => header.split(";")[0] as string)
    .filter((pair) => !pair.includes("next-auth.") && !pair.endsWith("="));
}

/**
 * A browser: the cookies it was given (next-auth's session and CSRF cookies aside: each sign-in gets
 * fresh ones), sent with every sign-in from it, each from a fresh client address.
 */
class Browser {
  cookies: string[] = [];

  async signIn(email: string, password: string): Promise<Response> {
    const call = await signInThroughNextAuth({ email, password }, freshIp(), this.header());
    const response = await call.finished;
    this.keep(response.headers.getSetCookie());
    return response;
  }

  keep(setCookie: string[]): void {
    for (const pair of cookiesKept(setCookie)) {
      const name = pair.slice(0, pair.indexOf("="));
      this.cookies = [...this.cookies.filter((kept) => !kept.startsWith(`${name}=`)), pair];
    }
  }

  header(): string | undefined {
    return this.cookies.length > 0 ? this.cookies.join("; ") : undefined;
  }
}

/** The attacker: LOCKOUT.maxFailures wrong passwords from fresh addresses, with no cookies. */
async function lockOut(email: string): Promise<void> {
  const attacker = new Browser();
  for (let i = 0; i < LOCKOUT.maxFailures; i++) {
    expect((await attacker.signIn(email, `attacker guess ${i}`)).status).toBe(401);
  }
}

const isLocked = async (userId: string) =>
  ((await testDb().user.findUniqueOrThrow({ where: { id: userId } })).lockedUntil?.getTime() ?? 0) >
  Date.now();

/** The session a sign-in answer started, as next-auth's session endpoint reports it. */
async function sessionOf(response: Response): Promise<{ id?: string; mfa?: string }> {
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(";")[0])
    .find((pair) => pair?.includes("session-token="));
  const session = await callNextAuth(["session"], { ip: freshIp(), cookie }).finished;
  return ((await session.json()) as { user?: { id?: string; mfa?: string } }).user ?? {};
}

describe("lockout with device cookies", () => {
  it("an attacker locks the account; the owner's known browser signs in with the right password; an unknown browser stays locked", async () => {
    const user = await createTestUser();
    const owner = new Browser();
    expect((await owner.signIn(user.email, TEST_PASSWORD)).status).toBe(200);

    await lockOut(user.email);
    expect(await isLocked(user.id)).toBe(true);

    const unknown = await new Browser().signIn(user.email, TEST_PASSWORD);
    expect(unknown.status).not.toBe(200);
    expect(setsSessionCookie(unknown)).toBe(false);

    const known = await owner.signIn(user.email, TEST_PASSWORD);
    expect(known.status).toBe(200);
    expect(setsSessionCookie(known)).toBe(true);
    expect((await sessionOf(known)).id).toBe(user.id);
    const [signedIn] = await testDb().auditEvent.findMany({
      where: { actorId: user.id, action: "auth.sign_in.succeeded" },
      orderBy: { seq: "desc" },
      take: 1,
    });
    expect(signedIn?.metadata).toEqual({ method: "password", knownDevice: true });

    // The owner's sign-in doesn't lift the lock for everyone else.
    expect(await isLocked(user.id)).toBe(true);
    expect(setsSessionCookie(await new Browser().signIn(user.email, TEST_PASSWORD))).toBe(false);
  });

  it("a device cookie of another account, or a forged one, gets no privilege", async () => {
    const victim = await createTestUser();
    const other = await createTestUser();
    const browser = new Browser();
    expect((await browser.signIn(other.email, TEST_PASSWORD)).status).toBe(200);
    const [otherDevice] = browser.cookies;
    expect(otherDevice).toBeDefined();
    await lockOut(victim.email);

    // `name=<userId>.<expiry>.<nonce>.<signature>`
    const [name, value] = (otherDevice as string).split("=") as [string, string];
    const signature = value.slice(value.lastIndexOf(".") + 1);
    const flipped = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    const forgeries = {
      "the other account's cookie": `${name}=${value}`,
      "its value with the victim's id": `${name}=${value.replace(other.id, victim.id)}`,
      "its signature changed": `${name}=${value.slice(0, value.lastIndexOf(".") + 1)}${flipped}`,
      "no signature": `${name}=${value.slice(0, value.lastIndexOf("."))}`,
      "the victim's own cookie, expired": deviceSetCookie(victim, {
        now: Date.now() - (DEVICE_COOKIE_MAX_AGE_SECONDS + 60) * 1000,
      }).split(";")[0] as string,
    };
    for (const [forgery, cookie] of Object.entries(forgeries)) {
      const attempt = await (
        await signInThroughNextAuth({ email: victim.email, password: TEST_PASSWORD }, freshIp(), cookie)
      ).finished;
      expect({ forgery, signedIn: setsSessionCookie(attempt) }).toEqual({ forgery, signedIn: false });
    }
    // The victim's own, current cookie does get in: the refusals above are the cookies' doing.
    const valid = deviceSetCookie(victim).split(";")[0] as string;
    const owner = await (
      await signInThroughNextAuth({ email: victim.email, password: TEST_PASSWORD }, freshIp(), valid)
    ).finished;
    expect(setsSessionCookie(owner)).toBe(true);
  });

  it("a known browser's wrong passwords count against its own budget, not the account's, and past it the browser is locked out too", async () => {
    const user = await createTestUser();
    const owner = new Browser();
    expect((await owner.signIn(user.email, TEST_PASSWORD)).status).toBe(200);

    for (let i = 0; i < LOCKOUT.maxFailures; i++) {
      expect((await owner.signIn(user.email, `typo ${i}`)).status).toBe(401);
    }
    // The account isn't locked by its owner's browser: an unknown browser can still sign in.
    expect(await isLocked(user.id)).toBe(false);
    expect(setsSessionCookie(await new Browser().signIn(user.email, TEST_PASSWORD))).toBe(true);

    // The browser's own budget is spent: now it is an unknown browser, and an attacker's lockout
    // applies to it.
    await lockOut(user.email);
    expect(setsSessionCookie(await owner.signIn(user.email, TEST_PASSWORD))).toBe(false);
  });

  it("the unlock link makes the browser that opens it a device: the attacker's next lockout doesn't stop it", async () => {
    const user = await createTestUser();
    await lockOut(user.email);
    const owner = new Browser();
    const token = linkToken((await mailTo(user.email))[0], "/unlock");
    const unlocked = await submitAction(
      unlockAccountAction,
      { token },
      { onSetCookie: (set) => owner.keep(set) },
    );
    expect(unlocked).toEqual({ status: "redirect", to: "/unlock?done=1" });
    expect(owner.cookies).toHaveLength(1);

    // The attacker locks the account again at once.
    await lockOut(user.email);
    expect(await isLocked(user.id)).toBe(true);
    expect(setsSessionCookie(await new Browser().signIn(user.email, TEST_PASSWORD))).toBe(false);
    expect(setsSessionCookie(await owner.signIn(user.email, TEST_PASSWORD))).toBe(true);
  });

  it("is issued only after the MFA challenge, and never skips it", async () => {
    const user = await createTestUser();
    await startMfaEnrolment(user.id);
    const { secret } = (await pendingEnrolment(user.id, { authAt: Date.now() })) ?? { secret: "" };
    await confirmMfaEnrolment(user.id, generateSync({ secret }), { ip: freshIp() });

    const owner = new Browser();
    const passwordOnly = await owner.signIn(user.email, TEST_PASSWORD);
    expect((await sessionOf(passwordOnly)).mfa).toBe("pending");
    expect(owner.cookies).toEqual([]);

    const sessionCookie = passwordOnly.headers
      .getSetCookie()
      .map((header) => header.split(";")[0])
      .find((pair) => pair?.includes("session-token="));
    const code = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const challenged = await submitAction(
      verifyMfaCodeAction,
      { code },
      { cookie: sessionCookie, onSetCookie: (set) => owner.keep(set) },
    );
    expect(challenged).toEqual({ status: "redirect", to: "/account" });
    expect(owner.cookies).toHaveLength(1);

    await lockOut(user.email);
    const known = await owner.signIn(user.email, TEST_PASSWORD);
    expect((await sessionOf(known)).mfa).toBe("pending");
  });

  it("is httpOnly, SameSite=Lax and lives a year; on https it is Secure and __Host- (no Domain, Path=/)", async () => {
    const user = await createTestUser();
    const answer = await new Browser().signIn(user.email, TEST_PASSWORD);
    const device = answer.headers.getSetCookie().filter((header) => header.startsWith("shipshape-device."));
    expect(device).toHaveLength(1);
    const attributes = (device[0] as string).split("; ").slice(1);
    expect(attributes).toEqual(
      expect.arrayContaining([
        "Path=/",
        `Max-Age=${DEVICE_COOKIE_MAX_AGE_SECONDS}`,
        "HttpOnly",
        "SameSite=Lax",
      ]),
    );
    // The test app is served over http (APP_URL): no Secure, or the browser would drop it.
    expect(attributes).not.toContain("Secure");
    expect(DEVICE_COOKIE_MAX_AGE_SECONDS).toBe(365 * 24 * 60 * 60);

    const onHttps = deviceSetCookie(user, { appUrl: "https://app.example.com" });
    expect(onHttps).toMatch(/^__Host-shipshape-device\./);
    expect(onHttps.split("; ")).toEqual(
      expect.arrayContaining(["Secure", "Path=/", "HttpOnly", "SameSite=Lax"]),
    );
    expect(onHttps).not.toMatch(/Domain=/i);
  });
});
