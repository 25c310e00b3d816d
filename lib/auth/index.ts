// Authentication: password hashing, policy and sign-in check, single-use tokens, TOTP, recovery codes
// and encryption of secrets at rest. The next-auth integration and the flows build on these.
import "server-only";

export {
  type AuthConfig,
  authEnvSchema,
  checkAuthEnv,
  type EncryptionKey,
  parseEncryptionKeys,
  readAuthConfig,
} from "./config";
export {
  type CurrentUser,
  currentUserFromRequest,
  getCurrentUser,
  type PublicUser,
  toPublicUser,
} from "./current-user";
export { normalizeEmail } from "./email";
export { decryptSecret, encryptSecret, reencryptSecret, SecretDecryptionError } from "./encryption";
export { authOptions } from "./next-auth";
export { hashPassword, needsRehash, normalizePassword, verifyPassword } from "./password";
export {
  checkNewPassword,
  isCommonPassword,
  PASSWORD_MAX_LENGTH,
  type PasswordPolicyOptions,
  type PasswordProblem,
  type PasswordProblemCode,
  passwordProblems,
  pwnedPasswordCount,
} from "./password-policy";
export { type PasswordSignInOutcome, signInWithPassword } from "./password-sign-in";
export { generateRecoveryCodes, matchRecoveryCode, RECOVERY_CODE_COUNT } from "./recovery-codes";
export {
  checkSession,
  revokeAllSessions,
  SESSION_CHECK_CACHE_MS,
  type SessionClaims,
  SessionRevokedError,
  startSession,
} from "./session";
export { sessionCookieName } from "./session-token";
export { LOCKOUT, type PasswordSignInResult, verifyPasswordSignIn } from "./sign-in";
export { createToken, hashToken, tokensEqual } from "./tokens";
export { generateTotpSecret, type TotpVerification, totpQrCode, totpUri, verifyTotp } from "./totp";
export { sendUnlockEmail, UNLOCK_TOKEN_TTL_MS, type UnlockResult, unlockAccount } from "./unlock";
