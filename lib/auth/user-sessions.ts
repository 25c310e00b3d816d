import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb, type PrismaClient } from "../db";
import { authConfig } from "./config";
import { AuthFlowError } from "./errors";
import { auditClient, type RequestClient } from "./flow-support";
import { endSession, forgetEndedSession } from "./session";

// The account's sessions one by one (decision 0026): what the sessions page lists, ending one of
// them there, and signing out, which ends the session on the server and not only in this browser.

/** A session as the sessions page shows it. */
export type SessionSummary = {
  id: string;
  /** "Firefox on Linux": the browser and system at sign-in. */
  device: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The session of the request asking: "this device". */
  current: boolean;
};

/**
 * The user's sessions that may still be in use (not ended, within the idle and absolute
 * lifetimes), this device's first, then the most recently used.
 */
export async function listSessions(
  userId: string,
  currentSessionId: string,
  now = Date.now(),
): Promise<SessionSummary[]> {
  const config = authConfig();
  const rows = await getDb().userSession.findMany({
    where: {
      userId,
      endedAt: null,
      lastSeenAt: { gt: new Date(now - config.sessionIdleSeconds * 1000) },
      createdAt: { gt: new Date(now - config.sessionMaxSeconds * 1000) },
    },
    select: { id: true, device: true, createdAt: true, lastSeenAt: true },
    orderBy: [{ lastSeenAt: "desc" }, { createdAt: "desc" }],
  });
  const sessions = rows.map((row) => ({ ...row, current: row.id === currentSessionId }));
  return [
    ...sessions.filter((session) => session.current),
    ...sessions.filter((session) => !session.current),
  ];
}

/**
 * Ends another of the user's sessions from the sessions page (no step-up: ending a session only
 * takes access away; decision 0026). Records `auth.sessions.revoked` (`scope: "one_session"`,
 * the session's `device`).
 * Throws AuthFlowError 400 `current_session` for the session asking (sign out instead) and 404
 * `not_found` for an id that isn't a live session of this user (ended already, or someone else's).
 */
export async function endOtherSession(
  input: { userId: string; currentSessionId: string; sessionId: string },
  client: RequestClient,
): Promise<void> {
  if (input.sessionId === input.currentSessionId) {
    throw new AuthFlowError(
      400,
      "current_session",
      "This is the session you're using now. To end it, sign out.",
    );
  }
  const ended = await getDb().$transaction(async (tx) => {
    const session = await endSession(tx, input.userId, input.sessionId);
    if (!session) return false;
    await recordSecurityEvent(
      {
        action: "auth.sessions.revoked",
        actor: { type: "USER", id: input.userId },
        ...auditClient(client),
        // The device, which the owner recognises; not the id (the log redacts session ids).
        metadata: { scope: "one_session", device: session.device },
      },
      tx,
    );
    return true;
  });
  if (!ended) {
    throw new AuthFlowError(
      404,
      "not_found",
      "That session has already ended. Reload the page to see the others.",
    );
  }
  forgetEndedSession(input.sessionId);
}

/**
 * Sign-out (next-auth's signOut event, with the session's decoded claims): ends the session on
 * the server, so a copy of the cookie stops working too, and records `auth.signed_out`. A session
 * that had already ended records nothing.
 */
export async function endSignedOutSession(
  session: { userId: string; sessionId: string },
  client: RequestClient,
): Promise<void> {
  const ended = await getDb().$transaction(async (tx) => {
    if (!(await endSession(tx, session.userId, session.sessionId))) return false;
    await recordSecurityEvent(
      { action: "auth.signed_out", actor: { type: "USER", id: session.userId }, ...auditClient(client) },
      tx,
    );
    return true;
  });
  if (ended) forgetEndedSession(session.sessionId);
}

/**
 * Deletes the session rows no cookie can use any more: ended, unused for the idle lifetime, or
 * started longer ago than the absolute lifetime (the `prune` job). A cookie whose row is gone is
 * refused like an ended one.
 */
export async function pruneEndedSessions(db: PrismaClient, now = new Date()): Promise<{ deleted: number }> {
  const config = authConfig();
  const { count } = await db.userSession.deleteMany({
    where: {
      OR: [
        { endedAt: { not: null } },
        { lastSeenAt: { lt: new Date(now.getTime() - config.sessionIdleSeconds * 1000) } },
        { createdAt: { lt: new Date(now.getTime() - config.sessionMaxSeconds * 1000) } },
      ],
    },
  });
  return { deleted: count };
}
