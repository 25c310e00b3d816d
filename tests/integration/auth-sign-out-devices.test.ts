// "Sign out of all devices" on /account/sessions, through its server actions as a browser submits
// them, in Next's own request scope (tests/support/actions.ts): the action wrapper reads this
// request's cookies and headers, checks the session, and the action rewrites or clears this
// browser's cookie, which the test reads from the Set-Cookie values Next would send back. Other
// devices are the same user's other session cookies.
import { describe, expect, it } from "vitest";
import { signOutAllDevicesAction, signOutOtherDevicesAction } from "@/app/(app)/account/sessions/actions";
import { currentUserFromRequest, sessionCookieName } from "@/lib/auth";
import { submitAction } from "../support/actions";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp } from "../support/users";

/** Who a request carrying `cookie` is signed in as (null: signed out), as every route checks it. */
async function signedInAs(cookie: string | undefined): Promise<string | null> {
  if (!cookie) return null;
  const user = await currentUserFromRequest(appRequest("/account", { cookie, ip: freshIp() }));
  return user?.id ?? null;
}

/**
 * The session cookie among an action's Set-Cookie values: `cookie` as the browser would send it
 * back (`name=value`), and `expired` when its expiry is past, which makes the browser delete it.
 */
function sessionCookieSet(setCookie: string[]): { cookie: string; expired: boolean } | undefined {
  const header = setCookie.find((value) => value.startsWith(`${sessionCookieName()}=`));
  if (!header) return undefined;
  const [cookie = "", ...attributes] = header.split(";").map((part) => part.trim());
  const expires = attributes.find((attribute) => /^expires=/i.test(attribute));
  const expired = expires !== undefined && Date.parse(expires.slice("expires=".length)) <= Date.now();
  return { cookie, expired };
}

function revocationsOf(userId: string) {
  return testDb().auditEvent.findMany({
    where: { action: "auth.sessions.revoked", actorId: userId },
    select: { actorType: true, actorIp: true, metadata: true },
  });
}

describe("sign out of other devices", () => {
  it("ends every other session, keeps this browser signed in, and records auth.sessions.revoked", async () => {
    const user = await createTestUser();
    const laptop = await sessionCookieFor(user.id);
    const phone = await sessionCookieFor(user.id);
    const before = await sessionCookieFor(user.id);
    const ip = freshIp();
    expect(await signedInAs(laptop)).toBe(user.id);

    let setCookie: string[] = [];
    expect(
      await submitAction(
        signOutOtherDevicesAction,
        {},
        { cookie: before, ip, onSetCookie: (sent) => (setCookie = sent) },
      ),
    ).toEqual({
      status: "ok",
      message: "Your other devices are signed out. This one stays signed in.",
    });

    expect(await signedInAs(laptop)).toBeNull();
    expect(await signedInAs(phone)).toBeNull();
    // This browser got a new cookie, which works; the one it had before is as revoked as the others.
    const after = sessionCookieSet(setCookie);
    expect(after).toMatchObject({ expired: false });
    expect(after?.cookie).not.toBe(before);
    expect(await signedInAs(after?.cookie)).toBe(user.id);
    expect(await signedInAs(before)).toBeNull();
    expect(await revocationsOf(user.id)).toEqual([
      { actorType: "USER", actorIp: ip, metadata: { scope: "other_devices" } },
    ]);
  });
});

describe("sign out of all devices", () => {
  it("ends every session, this browser's too, sends it to sign-in, and records auth.sessions.revoked", async () => {
    const user = await createTestUser();
    const laptop = await sessionCookieFor(user.id);
    const before = await sessionCookieFor(user.id);
    const ip = freshIp();

    // The action answers with a redirect to the sign-in page, and clears this browser's cookie.
    let setCookie: string[] = [];
    expect(
      await submitAction(
        signOutAllDevicesAction,
        {},
        { cookie: before, ip, onSetCookie: (sent) => (setCookie = sent) },
      ),
    ).toEqual({ status: "redirect", to: "/sign-in" });
    expect(sessionCookieSet(setCookie)).toEqual({ cookie: `${sessionCookieName()}=`, expired: true });

    expect(await signedInAs(before)).toBeNull();
    expect(await signedInAs(laptop)).toBeNull();
    expect(await revocationsOf(user.id)).toEqual([
      { actorType: "USER", actorIp: ip, metadata: { scope: "all_devices" } },
    ]);
  });

  it("is refused without a session, and signs nobody out", async () => {
    const user = await createTestUser();
    const laptop = await sessionCookieFor(user.id);
    expect(await submitAction(signOutAllDevicesAction, {})).toMatchObject({
      status: "error",
      code: "unauthenticated",
    });
    expect(await signedInAs(laptop)).toBe(user.id);
  });
});
