// "Sign out of all devices" on /account/sessions, through its server actions as a browser submits
// them: the action wrapper reads this request's cookies and headers (next/headers, stood in for
// below with a cookie jar the test keeps), checks the session, and the action rewrites or clears
// this browser's cookie. Other devices are the same user's other session cookies.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { signOutAllDevicesAction, signOutOtherDevicesAction } from "@/app/(app)/account/sessions/actions";
import { currentUserFromRequest, sessionCookieName } from "@/lib/auth";
import { IDLE } from "@/lib/http";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp } from "../support/users";

/** The browser submitting the action: its cookies (name → value) and request headers. */
const thisBrowser = vi.hoisted(() => ({ cookies: new Map<string, string>(), headers: new Headers() }));
vi.mock("next/headers", () => ({
  async cookies() {
    return {
      getAll: () => [...thisBrowser.cookies].map(([name, value]) => ({ name, value })),
      get: (name: string) => {
        const value = thisBrowser.cookies.get(name);
        return value === undefined ? undefined : { name, value };
      },
      // As a browser treats Set-Cookie: an expiry in the past deletes the cookie.
      set(name: string, value: string, options: { expires?: Date } = {}) {
        if (options.expires && options.expires.getTime() <= Date.now()) thisBrowser.cookies.delete(name);
        else thisBrowser.cookies.set(name, value);
      },
    };
  },
  async headers() {
    return thisBrowser.headers;
  },
}));

beforeEach(() => {
  thisBrowser.cookies.clear();
  thisBrowser.headers = new Headers({ "x-forwarded-for": freshIp(), "user-agent": "vitest" });
});

/** Signs this browser in as `userId` (the cookie next-auth would have set at sign-in). */
async function signInThisBrowser(userId: string): Promise<void> {
  const [name, value] = splitCookie(await sessionCookieFor(userId));
  thisBrowser.cookies.set(name, value);
}

function splitCookie(cookie: string): [string, string] {
  const equals = cookie.indexOf("=");
  return [cookie.slice(0, equals), cookie.slice(equals + 1)];
}

/** Who a request carrying `cookie` is signed in as (null: signed out), as every route checks it. */
async function signedInAs(cookie: string | undefined): Promise<string | null> {
  if (!cookie) return null;
  const user = await currentUserFromRequest(appRequest("/account", { cookie, ip: freshIp() }));
  return user?.id ?? null;
}

const thisBrowsersCookie = () => {
  const value = thisBrowser.cookies.get(sessionCookieName());
  return value === undefined ? undefined : `${sessionCookieName()}=${value}`;
};

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
    await signInThisBrowser(user.id);
    const before = thisBrowsersCookie();
    expect(await signedInAs(laptop)).toBe(user.id);

    expect(await signOutOtherDevicesAction(IDLE, new FormData())).toEqual({
      status: "ok",
      message: "Your other devices are signed out. This one stays signed in.",
    });

    expect(await signedInAs(laptop)).toBeNull();
    expect(await signedInAs(phone)).toBeNull();
    // This browser got a new cookie, which works; the one it had before is as revoked as the others.
    expect(thisBrowsersCookie()).not.toBe(before);
    expect(await signedInAs(thisBrowsersCookie())).toBe(user.id);
    expect(await signedInAs(before)).toBeNull();
    expect(await revocationsOf(user.id)).toEqual([
      {
        actorType: "USER",
        actorIp: thisBrowser.headers.get("x-forwarded-for"),
        metadata: { scope: "other_devices" },
      },
    ]);
  });
});

describe("sign out of all devices", () => {
  it("ends every session, this browser's too, sends it to sign-in, and records auth.sessions.revoked", async () => {
    const user = await createTestUser();
    const laptop = await sessionCookieFor(user.id);
    await signInThisBrowser(user.id);
    const before = thisBrowsersCookie();

    // Submitted as a plain <form action>: the action answers with a redirect to the sign-in page.
    const redirect = await signOutAllDevicesAction(new FormData()).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(redirect).toMatchObject({ digest: expect.stringMatching(/^NEXT_REDIRECT;[a-z]+;\/sign-in;/) });

    expect(thisBrowsersCookie()).toBeUndefined();
    expect(await signedInAs(before)).toBeNull();
    expect(await signedInAs(laptop)).toBeNull();
    expect(await revocationsOf(user.id)).toEqual([
      {
        actorType: "USER",
        actorIp: thisBrowser.headers.get("x-forwarded-for"),
        metadata: { scope: "all_devices" },
      },
    ]);
  });

  it("is refused without a session, and signs nobody out", async () => {
    const user = await createTestUser();
    const laptop = await sessionCookieFor(user.id);
    expect(await signOutOtherDevicesAction(IDLE, new FormData())).toMatchObject({
      status: "error",
      code: "unauthenticated",
    });
    expect(await signedInAs(laptop)).toBe(user.id);
  });
});
