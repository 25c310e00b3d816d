import "server-only";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import type { Provider } from "next-auth/providers/index";
import { recordSecurityEvent } from "../audit";
import { getDb, Prisma, type PrismaClient } from "../db";
import { type AuthConfig, authConfig, type OAuthProviderId } from "./config";
import { normalizeEmail } from "./email";
import { endLinksAfter } from "./email-links";
import { auditClient, type RequestClient } from "./flow-support";
import { revokeAllSessions } from "./session";

// Sign-in with GitHub and Google. A provider is on only when both its env keys are set. An OAuth
// identity is linked to a Shipshape account by a *verified* email only (Google's email_verified,
// GitHub's primary verified address), because linking by an unverified address would let anyone
// who types a victim's email at the provider take over the victim's account. The MFA challenge
// applies to OAuth sign-ins as to passwords: startSession makes the session "pending" when MFA is on.

const PROVIDER_NAMES: Record<OAuthProviderId, string> = { github: "GitHub", google: "Google" };

/** The providers the sign-in page offers: those configured, in a fixed order. */
export function enabledOAuthProviders(
  config: Pick<AuthConfig, "oauth"> = authConfig(),
): { id: OAuthProviderId; name: string }[] {
  return (Object.keys(PROVIDER_NAMES) as OAuthProviderId[])
    .filter((id) => config.oauth[id])
    .map((id) => ({ id, name: PROVIDER_NAMES[id] }));
}

/** A GitHub address as GET /user/emails lists it. */
type GitHubEmail = { email: string; primary: boolean; verified: boolean };

const GITHUB_API_TIMEOUT_MS = 10_000;

/** next-auth providers for the configured OAuth apps. */
export function oauthProviders(config: Pick<AuthConfig, "oauth"> = authConfig()): Provider[] {
  const providers: Provider[] = [];
  const { github, google } = config.oauth;
  if (github) {
    providers.push(
      GitHubProvider({
        ...github,
        // next-auth's default only asks for the addresses when the profile shows none, and then
        // takes the primary one without checking it is verified. Always fetch them, so the
        // verified flag decides (githubIdentity).
        userinfo: {
          url: "https://api.github.com/user",
          async request({ tokens }) {
            // GitHub's API refuses requests without a User-Agent.
            const headers = {
              Authorization: `Bearer ${tokens.access_token}`,
              Accept: "application/vnd.github+json",
              "User-Agent": "Shipshape",
            };
            const [profile, emails] = await Promise.all(
              ["https://api.github.com/user", "https://api.github.com/user/emails"].map(async (url) => {
                const response = await fetch(url, {
                  headers,
                  signal: AbortSignal.timeout(GITHUB_API_TIMEOUT_MS),
                });
                if (!response.ok)
                  throw new Error(`GitHub answered ${response.status} for ${new URL(url).pathname}`);
                return response.json();
              }),
            );
            return { ...profile, emails };
          },
        },
      }),
    );
  }
  if (google) providers.push(GoogleProvider(google));
  return providers;
}

/** What Shipshape takes from a provider's profile. */
export type OAuthIdentity = {
  provider: OAuthProviderId;
  /** The provider's stable id for the account (GitHub's numeric id, Google's `sub`). */
  providerAccountId: string;
  /** The address the provider vouches for, or null when it vouches for none. */
  verifiedEmail: string | null;
  name: string | null;
};

/** The identity in a Google ID token's claims: the address counts only with `email_verified`. */
export function googleIdentity(profile: {
  sub: string;
  email?: string | null;
  email_verified?: boolean | string | null;
  name?: string | null;
}): OAuthIdentity {
  // Google sends a boolean; some OpenID libraries pass the claim through as the string "true".
  const verified = profile.email_verified === true || profile.email_verified === "true";
  return {
    provider: "google",
    providerAccountId: String(profile.sub),
    verifiedEmail: verified && profile.email ? profile.email : null,
    name: profile.name ?? null,
  };
}

/** The identity of a GitHub user: the address counts only when it is the primary one and verified. */
export function githubIdentity(profile: {
  id: number | string;
  login?: string | null;
  name?: string | null;
  emails?: GitHubEmail[] | null;
}): OAuthIdentity {
  const primary = (profile.emails ?? []).find((email) => email.primary && email.verified);
  return {
    provider: "github",
    providerAccountId: String(profile.id),
    verifiedEmail: primary?.email ?? null,
    name: profile.name ?? profile.login ?? null,
  };
}

/** The identity in a provider's raw profile, as next-auth's signIn callback receives it. */
export function oauthIdentity(provider: string, profile: unknown): OAuthIdentity | null {
  if (typeof profile !== "object" || profile === null) return null;
  if (provider === "google" && "sub" in profile)
    return googleIdentity(profile as Parameters<typeof googleIdentity>[0]);
  if (provider === "github" && "id" in profile)
    return githubIdentity(profile as Parameters<typeof githubIdentity>[0]);
  return null;
}

export type OAuthLinkResult =
  | {
      ok: true;
      userId: string;
      /** existing: the identity was linked before; linked: linked now to the account with that email; created: a new account. */
      via: "existing" | "linked" | "created";
    }
  | {
      ok: false;
      /** email_unverified: the provider vouches for no address; account_unavailable: disabled or locked. */
      reason: "email_unverified" | "account_unavailable";
      userId?: string;
    };

const accountSelect = { id: true, disabledAt: true, lockedUntil: true, emailVerifiedAt: true } as const;

function unavailable(user: { disabledAt: Date | null; lockedUntil: Date | null }, now: Date): boolean {
  return user.disabledAt !== null || (user.lockedUntil !== null && user.lockedUntil > now);
}

/**
 * Finds or makes the Shipshape account for an OAuth identity:
 * 1. an identity linked before signs in to its account;
 * 2. else, with a verified email, it is linked to the account with that email;
 * 3. else, with a verified email, a new account is created (email verified, no password);
 * 4. without a verified email, nothing is linked or created.
 * A disabled or locked account is refused in every case.
 *
 * Linking to an account whose own email was never verified proves that address for the first time,
 * so whatever was set up without that proof is dropped: its password, MFA and every session. (Else
 * an attacker who signed up first with the victim's address would keep a way in: "pre-account
 * hijacking".)
 */
export async function linkOAuthIdentity(
  db: PrismaClient,
  identity: OAuthIdentity,
  now = new Date(),
): Promise<OAuthLinkResult> {
  const linked = await db.oAuthAccount.findUnique({
    where: {
      provider_providerAccountId: {
        provider: identity.provider,
        providerAccountId: identity.providerAccountId,
      },
    },
    select: { user: { select: accountSelect } },
  });
  if (linked) {
    return unavailable(linked.user, now)
      ? { ok: false, reason: "account_unavailable", userId: linked.user.id }
      : { ok: true, userId: linked.user.id, via: "existing" };
  }
  if (!identity.verifiedEmail) return { ok: false, reason: "email_unverified" };
  const email = normalizeEmail(identity.verifiedEmail);
  const link = { provider: identity.provider, providerAccountId: identity.providerAccountId };

  try {
    return await db.$transaction(async (tx) => {
      const existing = await tx.user.findUnique({ where: { email }, select: accountSelect });
      if (existing) {
        if (unavailable(existing, now))
          return { ok: false, reason: "account_unavailable", userId: existing.id } as const;
        if (!existing.emailVerifiedAt) {
          await tx.user.update({
            where: { id: existing.id },
            data: {
              emailVerifiedAt: now,
              passwordHash: null,
              mfaSecretEncrypted: null,
              mfaEnabledAt: null,
              mfaLastUsedStep: null,
            },
          });
          await tx.recoveryCode.deleteMany({ where: { userId: existing.id } });
          await revokeAllSessions(tx, existing.id);
          await endLinksAfter(tx, existing.id, ["password", "mfa"]);
        }
        await tx.oAuthAccount.create({ data: { ...link, userId: existing.id } });
        return { ok: true, userId: existing.id, via: "linked" } as const;
      }
      const user = await tx.user.create({
        data: { email, name: identity.name?.slice(0, 200) ?? null, emailVerifiedAt: now, passwordHash: null },
        select: { id: true },
      });
      await tx.oAuthAccount.create({ data: { ...link, userId: user.id } });
      return { ok: true, userId: user.id, via: "created" } as const;
    });
  } catch (error) {
    // A concurrent sign-in created the account or the link first: the second attempt finds it.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      return linkOAuthIdentity(db, identity, now);
    }
    throw error;
  }
}

/**
 * The whole OAuth sign-in step after the provider's callback: link or create the account, and
 * record the outcome (`auth.sign_in.succeeded` / `auth.sign_in.failed`, method "oauth").
 */
export async function signInWithOAuth(
  identity: OAuthIdentity,
  client: RequestClient,
): Promise<OAuthLinkResult> {
  const result = await linkOAuthIdentity(getDb(), identity);
  const fields = auditClient(client);
  if (result.ok) {
    await recordSecurityEvent({
      action: "auth.sign_in.succeeded",
      actor: { type: "USER", id: result.userId },
      ...fields,
      metadata: { method: "oauth", provider: identity.provider, via: result.via },
    });
  } else {
    await recordSecurityEvent({
      action: "auth.sign_in.failed",
      actor: { type: "ANONYMOUS" },
      target: result.userId ? { type: "user", id: result.userId } : null,
      ...fields,
      metadata: { method: "oauth", provider: identity.provider, detail: result.reason },
    });
  }
  return result;
}

/** The Shipshape user an OAuth identity is linked to, or null. */
export async function userIdForOAuthAccount(
  provider: string,
  providerAccountId: string,
): Promise<string | null> {
  const link = await getDb().oAuthAccount.findUnique({
    where: { provider_providerAccountId: { provider, providerAccountId } },
    select: { userId: true },
  });
  return link?.userId ?? null;
}

/** The providers a user has linked and that are still enabled (to re-authenticate through them). */
export async function linkedOAuthProviders(userId: string): Promise<{ id: OAuthProviderId; name: string }[]> {
  const links = await getDb().oAuthAccount.findMany({ where: { userId }, select: { provider: true } });
  const linked = new Set(links.map((link) => link.provider));
  return enabledOAuthProviders().filter((provider) => linked.has(provider.id));
}
