// Authentication: password hashing, policy and sign-in check, single-use tokens, TOTP, recovery codes
// and encryption of secrets at rest; the next-auth integration; and the email-based identity flows
// (sign-up and verification, password reset, password and email change).
import "server-only";
// Registers the audit log's check that no user id hides in event metadata (outside production).
import "./audit-user-ids";

export { AUTH_BODY_MAX_BYTES } from "./body-limit";
export {
  confirmEmailChange,
  EMAIL_CHANGE_TOKEN_TTL_MS,
  EMAIL_CHANGE_UNDO_TTL_MS,
  type EmailLinkResult,
  requestEmailChange,
  undoEmailChange,
} from "./change-email";
export { type ChangePasswordInput, changePassword } from "./change-password";
export {
  type AuthConfig,
  authEnvSchema,
  checkAuthEnv,
  type EncryptionKey,
  type OAuthProviderId,
  parseEncryptionKeys,
  readAuthConfig,
} from "./config";
export { type CurrentUser, currentUserFromRequest, getCurrentUser } from "./current-user";
export {
  DEVICE_COOKIE_MAX_AGE_SECONDS,
  deviceCookiePrefix,
  deviceSetCookie,
  rememberThisDevice,
} from "./device-cookie";
export { normalizeEmail } from "./email";
export { decryptSecret, encryptSecret, reencryptSecret, SecretDecryptionError } from "./encryption";
export { AuthFlowError } from "./errors";
export type { RequestClient } from "./flow-support";
export { type KeyRotationResult, reencryptMfaSecrets } from "./key-rotation";
export {
  confirmMfaEnrolment,
  disableMfa,
  type MfaChallengeResult,
  type MfaStatus,
  mfaStatus,
  type PendingEnrolment,
  pendingEnrolment,
  regenerateRecoveryCodes,
  startMfaEnrolment,
  verifyMfaChallenge,
} from "./mfa";
export { authOptions, safeRedirectUrl } from "./next-auth";
export {
  enabledOAuthProviders,
  githubIdentity,
  googleIdentity,
  linkedOAuthProviders,
  linkOAuthIdentity,
  type OAuthIdentity,
  type OAuthLinkResult,
  oauthIdentity,
  signInWithOAuth,
} from "./oauth";
export { hashPassword, needsRehash, normalizePassword, verifyPassword } from "./password";
export {
  checkNewPassword,
  describePasswordRules,
  isCommonPassword,
  PASSWORD_MAX_LENGTH,
  type PasswordPolicyOptions,
  type PasswordProblem,
  type PasswordProblemCode,
  passwordProblems,
  pwnedPasswordCount,
} from "./password-policy";
export {
  isPasswordResetTokenUsable,
  PASSWORD_RESET_TOKEN_TTL_MS,
  requestPasswordReset,
  resetPassword,
} from "./password-reset";
export { type PasswordSignInOutcome, signInWithPassword } from "./password-sign-in";
export {
  type AccountUser,
  accountUserSelect,
  displayName,
  type PublicUser,
  publicUserSelect,
} from "./public-user";
export { hasRecentAuthentication, STEP_UP_MAX_AGE_MS } from "./reauthentication";
export { generateRecoveryCodes, matchRecoveryCode, RECOVERY_CODE_COUNT } from "./recovery-codes";
export {
  checkSession,
  forgetSessionUser,
  revokeAllSessions,
  SESSION_CHECK_CACHE_MS,
  SESSION_LAST_SEEN_RESOLUTION_MS,
  type SessionClaims,
  SessionRevokedError,
  startSession,
} from "./session";
export {
  encodeSessionToken,
  NoCurrentSessionError,
  patchSessionToken,
  type SessionPatch,
  signOutDevices,
  updateCurrentSession,
} from "./session-cookie";
export { sessionCookieName } from "./session-token";
export { LOCKOUT, type PasswordSignInResult, verifyPasswordSignIn } from "./sign-in";
export { captureSignInAnswer } from "./sign-in-answer";
export { completeQueuedSignUp, SIGN_UP_RECOVERY_DELAY_SECONDS, type SignUpInput, signUp } from "./sign-up";
export {
  type ReauthMethods,
  type ReauthProof,
  reauthenticate,
  reauthMethods,
  safeReturnPath,
} from "./step-up";
export { createToken, hashToken, tokensEqual } from "./tokens";
export { generateTotpSecret, type TotpVerification, totpQrCode, totpUri, verifyTotp } from "./totp";
export { sendUnlockEmail, UNLOCK_TOKEN_TTL_MS, type UnlockResult, unlockAccount } from "./unlock";
export { endOtherSession, listSessions, pruneEndedSessions, type SessionSummary } from "./user-sessions";
export {
  prepareVerificationEmail,
  resendVerificationEmail,
  VERIFICATION_TOKEN_TTL_MS,
  type VerifyEmailResult,
  verifyEmail,
} from "./verification";
