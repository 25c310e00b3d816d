import "server-only";
import type { NextAuthOptions } from "next-auth";
import type { JWT } from "next-auth/jwt";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "../db";
import { serverEnv } from "../env";
import { logger } from "../log";
import { clientIp } from "../ratelimit";
import { authConfig } from "./config";
import { signInWithPassword } from "./password-sign-in";
import { checkSession, type SessionClaims, SessionRevokedError, startSession } from "./session";
import { isSessionClaims } from "./session-token";

const credentialsSchema = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
});

type ShipshapeJwt = JWT & Partial<SessionClaims>;

/**
 * next-auth (4.24) configuration: JWT sessions in an httpOnly, SameSite=Lax cookie (Secure when the
 * app URL is https), rolling idle lifetime, absolute lifetime and per-request revocation checks.
 */
export function authOptions(): NextAuthOptions {
  const config = authConfig();
  // next-auth builds its callback and redirect URLs from NEXTAUTH_URL. Pin it to APP_URL so they
  // never come from a request's Host header (no open redirects, no loops behind a proxy).
  process.env.NEXTAUTH_URL ??= serverEnv().APP_URL;
  return {
    secret: config.authSecret,
    session: {
      strategy: "jwt",
      // next-auth renews the cookie as the session is used: this is the idle lifetime.
      maxAge: config.sessionIdleSeconds,
      updateAge: 60 * 60,
    },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { type: "email" }, password: { type: "password" } },
        async authorize(credentials, request) {
          const parsed = credentialsSchema.safeParse(credentials);
          if (!parsed.success) return null;
          const headers = new Headers(request.headers as Record<string, string>);
          const outcome = await signInWithPassword({
            ...parsed.data,
            ip: clientIp(headers),
            userAgent: headers.get("user-agent"),
          });
          if (outcome.ok) return { id: outcome.userId };
          // next-auth hands a thrown message to the form as `error`; a plain null means "wrong credentials".
          if (outcome.code === "invalid_credentials") return null;
          throw new Error(outcome.code);
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }): Promise<ShipshapeJwt> {
        const current = token as ShipshapeJwt;
        if (user) return { ...current, ...(await startSession(getDb(), user.id)) };
        if (!isSessionClaims(current)) throw new SessionRevokedError("revoked");
        try {
          await checkSession(getDb(), current, { maxAgeSeconds: config.sessionMaxSeconds });
        } catch (error) {
          if (error instanceof SessionRevokedError)
            logger.info({ userId: current.uid, reason: error.reason }, "session ended");
          // next-auth clears the cookie when this callback throws.
          throw error;
        }
        return current;
      },
      session({ session, token }) {
        const claims = token as ShipshapeJwt;
        // Only the id and the MFA state reach the browser; everything else is read from the database.
        return { expires: session.expires, user: { id: claims.uid, mfa: claims.mfa } } as typeof session;
      },
    },
  };
}
