// Sessions with an id on the server (decision 0026): signing out ends that session for every copy
// of its cookie, on every instance within the session cache's window; the sessions page lists the
// account's sessions and ends one without touching the others. Sign-in and sign-out go through
// next-auth's real route handler; the sessions page through its server actions as a browser posts them.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { endSessionAction } from "@/app/(app)/account/sessions/actions";
import { GET as listOrganizations } from "@/app/api/orgs/route";
import {
  checkSession,
  endOtherSession,
  listSessions,
  readAuthConfig,
  SESSION_CHECK_CACHE_MS,
  SessionRevokedError,
  sessionCookieName,
  startSession,
} from "@/lib/auth";
import { readJobsConfig } from "@/lib/jobs";
import { pruneExpiredRecords } from "@/lib/jobs/worker";
import { submitAction } from "../support/actions";
import { testDb } from "../support/db";
import { callNextAuth, signInThroughNextAuth } from "../support/next-auth-requests";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

const limits = { maxAgeSeconds: readAuthConfig(process.env).sessionMaxSeconds };

/** `name=value` of every cookie a response sets (the browser would send these back). */
const cookiesSetBy = (response: Response) =>
  response.headers.getSetCookie().map((header) => header.split(";")[0] as string);

/** The status /api/orgs answers a request carrying `cookie`: 200 signed in, 401 not. */
async function orgsStatus(cookie: string): Promise<number> {
  return (await listOrganizations(appRequest("/api/orgs", { cookie, ip: freshIp() }))).status;
}

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (error instanceof SessionRevokedError) return error.reason;
    throw error;
  }
}

/**
 * Another app instance (tests/support/session-instance.ts): a separate process with its own session
 * cache on the same database. It checks `claims` at once (`first`); `checkAt(now)` asks it again as
 * of `now` and resolves with its answer.
 */
function otherInstance(claims: object) {
  const child = spawn(
    path.resolve("node_modules/.bin/tsx"),
    ["--conditions=react-server", "tests/support/session-instance.ts", JSON.stringify(claims)],
    { cwd: path.resolve("."), env: process.env, stdio: ["pipe", "pipe", "inherit"] },
  );
  const waiting: ((line: string) => void)[] = [];
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      waiting.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  return {
    first: nextLine(),
    checkAt(now: number) {
      const answer = nextLine();
      child.stdin.write(`${now}\n`);
      return answer;
    },
    stop: () => child.stdin.end(),
  };
}

/** The session id inside a cookie made by sessionCookieFor (one session row per call). */
async function newestSessionId(userId: string): Promise<string> {
  const row = await testDb().userSession.findFirstOrThrow({
    where: { userId },
    orderBy: { createdAt: "desc" },
  });
  return row.id;
}

describe("signing out", () => {
  it("ends the session on the server: a copy of its cookie answers 401 on /api/orgs afterwards", async () => {
    const user = await createTestUser();
    const ip = freshIp();
    const signedIn = await (await signInThroughNextAuth({ email: user.email, password: TEST_PASSWORD }, ip))
      .finished;
    const session = cookiesSetBy(signedIn).find((cookie) => cookie.startsWith(`${sessionCookieName()}=`));
    expect(session).toBeDefined();
    const copied = session as string;
    expect(await orgsStatus(copied)).toBe(200);

    // Sign out as next-auth/react's signOut() does: a CSRF token, then POST /api/auth/signout.
    const csrf = await callNextAuth(["csrf"], { ip, cookie: copied }).finished;
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signedOut = await callNextAuth(["signout"], {
      ip,
      cookie: [copied, ...cookiesSetBy(csrf)].join("; "),
      form: { csrfToken, callbackUrl: "/", json: "true" },
    }).finished;
    expect(signedOut.status).toBe(200);

    expect(await orgsStatus(copied)).toBe(401);
    const events = await testDb().auditEvent.findMany({
      where: { actorId: user.id, action: "auth.signed_out" },
      select: { actorIp: true },
    });
    expect(events).toEqual([{ actorIp: ip }]);
  });

  it("is honoured by another instance within the session cache's window", async () => {
    const user = await createTestUser();
    const claims = await startSession(testDb(), user.id);
    const now = Date.now();
    // This instance has checked the session and caches it as live.
    expect(await refusalOf(checkSession(testDb(), claims, { ...limits, now }))).toBe("accepted");
    // Another instance ends it (its sign-out writes the row); this one's cache doesn't know.
    await testDb().userSession.update({ where: { id: claims.sid }, data: { endedAt: new Date() } });
    const afterTheWindow = now + SESSION_CHECK_CACHE_MS + 1;
    expect(await refusalOf(checkSession(testDb(), claims, { ...limits, now: afterTheWindow }))).toBe(
      "revoked",
    );
  });
});

describe("ending a session with another app instance running", () => {
  it("is honoured by the other process once its cache window has passed", async () => {
    const user = await createTestUser();
    const phone = await startSession(testDb(), user.id);
    const here = await startSession(testDb(), user.id);
    const instance = otherInstance(phone);
    try {
      // The other instance has checked the phone's session: it caches it as live.
      expect(await instance.first).toBe("accepted");
      await endOtherSession(
        { userId: user.id, currentSessionId: here.sid, sessionId: phone.sid },
        { ip: freshIp(), userAgent: "vitest" },
      );
      // This instance refuses it at once; the other one within SESSION_CHECK_CACHE_MS.
      expect(await refusalOf(checkSession(testDb(), phone, limits))).toBe("revoked");
      expect(await instance.checkAt(Date.now() + SESSION_CHECK_CACHE_MS + 1)).toBe("revoked");
    } finally {
      instance.stop();
    }
  });
});

describe("the sessions page", () => {
  it("lists this account's live sessions: device, started, last seen, and which one is this device", async () => {
    const user = await createTestUser();
    const someoneElse = await createTestUser();
    await startSession(testDb(), someoneElse.id);
    const phone = await startSession(testDb(), user.id, Date.now(), {
      userAgent:
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    });
    const laptop = await startSession(testDb(), user.id, Date.now(), {
      userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    });
    const ended = await startSession(testDb(), user.id);
    await testDb().userSession.update({ where: { id: ended.sid }, data: { endedAt: new Date() } });

    const sessions = await listSessions(user.id, laptop.sid);
    expect(sessions.map(({ id, device, current }) => ({ id, device, current }))).toEqual([
      { id: laptop.sid, device: "Firefox on Linux", current: true },
      { id: phone.sid, device: "Safari on iOS", current: false },
    ]);
    for (const session of sessions) {
      expect(session.createdAt).toBeInstanceOf(Date);
      expect(session.lastSeenAt).toBeInstanceOf(Date);
    }
  });

  it("ends one session: that cookie answers 401, the others keep working, auth.sessions.revoked is recorded", async () => {
    const user = await createTestUser();
    const laptop = await sessionCookieFor(user.id);
    const phone = await sessionCookieFor(user.id);
    const phoneId = await newestSessionId(user.id);
    const here = await sessionCookieFor(user.id);
    const ip = freshIp();

    expect(await submitAction(endSessionAction, { sessionId: phoneId }, { cookie: here, ip })).toMatchObject({
      status: "ok",
    });

    expect(await orgsStatus(phone)).toBe(401);
    expect(await orgsStatus(laptop)).toBe(200);
    expect(await orgsStatus(here)).toBe(200);
    const events = await testDb().auditEvent.findMany({
      where: { actorId: user.id, action: "auth.sessions.revoked" },
      select: { actorIp: true, metadata: true },
    });
    expect(events).toEqual([
      { actorIp: ip, metadata: { scope: "one_session", device: "Unknown browser on an unknown system" } },
    ]);
  });

  it("can't end another account's session (404, nothing ends), nor this one (sign out instead)", async () => {
    const user = await createTestUser();
    const here = await sessionCookieFor(user.id);
    const hereId = await newestSessionId(user.id);
    const other = await createTestUser();
    const theirs = await sessionCookieFor(other.id);
    const theirId = await newestSessionId(other.id);

    expect(await submitAction(endSessionAction, { sessionId: theirId }, { cookie: here })).toMatchObject({
      status: "error",
      code: "not_found",
    });
    expect(await orgsStatus(theirs)).toBe(200);
    expect(await submitAction(endSessionAction, { sessionId: hereId }, { cookie: here })).toMatchObject({
      status: "error",
      code: "current_session",
    });
    expect(await orgsStatus(here)).toBe(200);
  });
});

describe("the prune job", () => {
  it("deletes the session rows no cookie can use (ended, idle too long, past the absolute lifetime) and keeps live ones", async () => {
    const user = await createTestUser();
    const config = readAuthConfig(process.env);
    const now = Date.now();
    const live = await startSession(testDb(), user.id, now);
    const ended = await startSession(testDb(), user.id, now);
    await testDb().userSession.update({ where: { id: ended.sid }, data: { endedAt: new Date(now) } });
    await startSession(testDb(), user.id, now - config.sessionIdleSeconds * 1000 - 60_000);
    const tooOld = await startSession(testDb(), user.id, now - config.sessionMaxSeconds * 1000 - 60_000);
    await testDb().userSession.update({ where: { id: tooOld.sid }, data: { lastSeenAt: new Date(now) } });

    await pruneExpiredRecords(readJobsConfig({}), { now: new Date(now) });

    const left = await testDb().userSession.findMany({ where: { userId: user.id }, select: { id: true } });
    expect(left.map((row) => row.id)).toEqual([live.sid]);
  });
});
