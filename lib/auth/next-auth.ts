import "server-only";
import { headers } from "next/headers";
import { after } from "next/server";
import type { NextAuthOptions } from "next-auth";
import type { JWT } from "next-auth/jwt";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "../db";
import { serverEnv } from "../env";
import { logger } from "../log";
import { clientIp, UNKNOWN_CLIENT_IP } from "../ratelimit";
import { findHostileText, HONEYPOT_FIELD, isSafeText } from "../security";
import { authConfig } from "./config";
import { deviceSetCookie } from "./device-cookie";
import type { RequestClient } from "./flow-support";
import { oauthIdentity, oauthProviders, signInWithOAuth, userIdForOAuthAccount } from "./oauth";
import { type PasswordSignInOutcome, signInWithPassword } from "./password-sign-in";
import { checkSession, type SessionClaims, SessionRevokedError, startSession } from "./session";
import { isSessionClaims } from "./session-token";
import { reportSignInCookie, reportSignInRefusal, reportSignInUnavailable } from "./sign-in-answer";
import { safeReturnPath } from "./step-up";
import { endSignedOutSession } from "./user-sessions";

const credentialsSchema = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
});

type ShipshapeJwt = JWT & Partial<SessionClaims>;

/**
 * next-auth (4.24) configuration: JWT sessions in an httpOnly, SameSite=Lax cookie (Secure when the
 * app URL is https), rolling idle lifetime, absolute lifetime and per-request revocation checks.
 * Password sign-in, plus GitHub and Google when configured (lib/auth/oauth.ts). Every sign-in path
 * starts the session through startSession, so the MFA challenge applies to all of them.
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
        credentials: {
          email: { type: "email" },
          password: { type: "password" },
          [HONEYPOT_FIELD]: { type: "text" },
        },
        async authorize(credentials, request) {
          // A bot: answered like a wrong password, without looking at the account or the password.
          // Logged as the action wrapper logs it; not audited (it happens before any rate limit and
          // concerns no account, so each hit would be an audit row a bot writes at will).
          if (credentials?.[HONEYPOT_FIELD]) {
            logger.info({ event: "honeypot.tripped" }, "form honeypot filled in: answered without acting");
            return null;
          }
          // Hostile text (NUL, lone surrogates…) can't be anyone's email or password, and must not
          // reach the account lookup, which PostgreSQL would answer with an error that next-auth
          // then put into the error URL. The form shows the code's own message.
          if (findHostileText({ email: credentials?.email, password: credentials?.password }) !== null) {
            throw new Error("invalid_input");
          }
          const parsed = credentialsSchema.safeParse(credentials);
          if (!parsed.success) return null;
          const headers = new Headers(request.headers as Record<string, string>);
          let outcome: PasswordSignInOutcome;
          try {
            outcome = await signInWithPassword({
              ...parsed.data,
              ip: clientIp(headers),
              userAgent: headers.get("user-agent"),
              cookie: headers.get("cookie"),
            });
          } catch (error) {
            // The database can't be reached, or refused the input. next-auth would put the error's
            // message (Prisma's: our source around the call, the driver's words) into the answer's
            // URL: log it, answer a code.
            logger.error({ err: error }, "password sign-in failed: answered 'unavailable'");
            reportSignInUnavailable();
            throw new Error("unavailable");
          }
          await handToAfter(outcome.background);
          if (outcome.ok) return { id: outcome.userId };
          // next-auth hands a thrown message to the form as `error`; a plain null means "wrong credentials".
          if (outcome.code === "invalid_credentials") return null;
          reportSignInRefusal(outcome.refusal);
          throw new Error(outcome.code);
        },
      }),
      ...oauthProviders(config),
    ],
    events: {
      // Sign-out ends the session on the server, not only this browser's cookie: a copy of the
      // cookie stops working too. next-auth logs a failure here and clears the cookie anyway.
      async signOut({ token }) {
        const claims = token as Record<string, unknown> | null;
        if (!isSessionClaims(claims)) return;
        await endSignedOutSession({ userId: claims.uid, sessionId: claims.sid }, await requestClient());
      },
    },
    callbacks: {
      /**
       * Where next-auth sends the browser after signing in or out (its `callbackUrl`, from the form
       * or a cookie): a path or a URL on this site, anything else (another site, a URL that doesn't
       * parse, such as `http://host:port.evil.example/`) the site's root. next-auth's own version
       * parses with `new URL` unguarded, so a malformed one answered 500.
       */
      redirect({ url, baseUrl }) {
        return safeRedirectUrl(url, baseUrl);
      },
      /** OAuth only (credentials were checked in authorize): link or create the account, or refuse. */
      async signIn({ account, profile }) {
        if (account?.type !== "oauth") return true;
        const identity = oauthIdentity(account.provider, profile);
        const result = identity ? await signInWithOAuth(identity, await requestClient()) : null;
        if (result?.ok) return true;
        const error = result?.reason === "email_unverified" ? "OAuthEmailUnverified" : "OAuthRefused";
        return `${serverEnv().APP_URL.replace(/\/+$/, "")}/sign-in?error=${error}`;
      },
      async jwt({ token, user, account }): Promise<ShipshapeJwt> {
        const current = token as ShipshapeJwt;
        if (user) {
          // For OAuth, `user.id` is the provider's id for the person; signIn linked it to ours.
          const userId =
            account?.type === "oauth"
              ? await userIdForOAuthAccount(account.provider, account.providerAccountId)
              : user.id;
          if (!userId) throw new SessionRevokedError("user_gone");
          const { email } = await getDb().user.update({
            where: { id: userId },
            data: { lastSignInAt: new Date() },
            select: { email: true },
          });
          const claims = await startSession(getDb(), userId, Date.now(), await requestClient());
          // A completed sign-in makes this browser a device of the account; with MFA, only the
          // challenge completes it (the MFA action then remembers the device).
          if (claims.mfa !== "pending") reportSignInCookie(deviceSetCookie({ id: userId, email }));
          // A fresh token: next-auth's defaults (name, email, picture) stay out of the cookie.
          return { sub: userId, ...claims };
        }
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
/**
 * Lets the work left after a sign-in's answer (the lockout email) finish once the response has gone
 * out: next-auth runs authorize inside its route handler (app/api/auth/[...nextauth]/route.ts), where
 * Next's `after()` works as in a server action, and a serverless platform keeps the function alive
 * until the work settles. Outside a request (a script, a test calling authorize) `after()` throws:
 * there is no answer to hold up then, so the work is awaited rather than dropped.
 */
async function handToAfter(background: Promise<void>): Promise<void> {
  try {
    after(background);
  } catch {
    await background;
  }
}

/**
 * The client of the request being handled (next-auth's callbacks don't receive it), for the audit
 * log. Outside a request (a script, a test calling the callbacks) there is none to report.
 */
async function requestClient(): Promise<RequestClient> {
  let requestHeaders: Headers;
  try {
    requestHeaders = await headers();
  } catch {
    return { ip: UNKNOWN_CLIENT_IP };
  }
  return { ip: clientIp(requestHeaders), userAgent: requestHeaders.get("user-agent") };
}

/** `url` when it is a path or a URL on `baseUrl`'s origin (as an absolute URL), else `baseUrl`. */
export function safeRedirectUrl(url: string, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  if (url.startsWith("/")) {
    const path = safeReturnPath(url, "");
    return path ? `${base}${path}` : base;
  }
  try {
    const target = new URL(url);
    return target.origin === new URL(base).origin && isSafeText(url) ? target.toString() : base;
  } catch {
    return base;
  }
}
