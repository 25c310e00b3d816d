// Authentication. For now: password hashing. The identity work adds sessions, tokens, MFA and flows.
import "server-only";

export { normalizeEmail } from "./email";
export { hashPassword, needsRehash, verifyPassword } from "./password";
export { LOCKOUT, type PasswordSignInResult, verifyPasswordSignIn } from "./sign-in";
