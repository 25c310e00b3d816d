// Authentication. For now: password hashing. The identity work adds sessions, tokens, MFA and flows.
import "server-only";

export { hashPassword, verifyPassword } from "./password";
