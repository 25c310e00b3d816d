import type { Prisma } from "../db";

// The shapes in which a user row leaves the server: in an API response, a page, a server action's
// answer or a data export. Every module that returns users selects one of these (Prisma `select`),
// so what a person's record shows is decided here, once, and never by a `select` written on the spot.

/** User columns that never leave the server, in any shape: a shape that selects one doesn't compile. */
type SecretUserColumn =
  | "passwordHash"
  | "mfaSecretEncrypted"
  | "mfaLastUsedStep"
  | "sessionVersion"
  | "failedSignInCount"
  | "failedSignInWindowStartedAt"
  | "authTokens"
  | "recoveryCodes";

type ShareableUserSelect = Prisma.UserSelect & { [Column in SecretUserColumn]?: never };

/**
 * Who a user is, as other people see them: fellow members of an organization (the member list, who
 * sent an invitation, who created a project) and platform admins looking at an organization.
 */
export const publicUserSelect = {
  id: true,
  email: true,
  name: true,
} as const satisfies ShareableUserSelect;

/** A user as anyone but themselves sees them: `{ id, email, name }`. */
export type PublicUser = Prisma.UserGetPayload<{ select: typeof publicUserSelect }>;

/**
 * The account's state besides who it is: what its owner sees of it (the data export) and what
 * platform admins see (/admin/users). Whether the address is verified, MFA is on, the account is
 * disabled or locked, when it last signed in, a pending deletion. Still nothing that proves an
 * identity or revokes a session.
 */
export const accountUserSelect = {
  ...publicUserSelect,
  emailVerifiedAt: true,
  mfaEnabledAt: true,
  isPlatformAdmin: true,
  disabledAt: true,
  lockedUntil: true,
  lastSignInAt: true,
  deletionRequestedAt: true,
  deletionScheduledAt: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies ShareableUserSelect;

/** A user as their owner and platform admins see the account. */
export type AccountUser = Prisma.UserGetPayload<{ select: typeof accountUserSelect }>;

/** How the app names a user to other people: their name, or their address when they gave none. */
export const displayName = (user: Pick<PublicUser, "name" | "email">): string => user.name ?? user.email;
