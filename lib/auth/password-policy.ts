import { createHash } from "node:crypto";
import { logger } from "../log";
import { authConfig } from "./config";
import { normalizePassword } from "./password";
import { commonPasswords } from "./password-blocklist";

// The rules for a new password, after NIST SP 800-63B rev. 4 (3.1.1.2) and OWASP ASVS 5.0:
// - at least PASSWORD_MIN_LENGTH characters (15 by default; 8 is acceptable only when MFA is
//   mandatory), at most 256, counted in Unicode code points after NFKC normalisation;
// - no composition rules (no "one digit, one symbol"): they make passwords harder to remember, not
//   to guess;
// - not in the offline list of ~475,000 common and breached passwords (password-blocklist.ts),
//   optionally also not known to Have I Been Pwned;
// - not containing the user's email name or the product's name, the first words an attacker tries.
// Messages are shown to the user as they are.

export const PASSWORD_MAX_LENGTH = 256;

export type PasswordProblemCode =
  | "too-short"
  | "too-long"
  | "breached"
  | "contains-email"
  | "contains-product-name";

export type PasswordProblem = { code: PasswordProblemCode; message: string };

export type PasswordPolicyOptions = {
  /** The account's email; its part before "@" may not appear in the password. */
  email?: string;
  /** Defaults to PASSWORD_MIN_LENGTH (15). */
  minLength?: number;
  /** Defaults to "Shipshape". */
  productName?: string;
};

const BREACHED_MESSAGE =
  "This password appears in lists of breached passwords, so attackers try it early. Choose a different one.";

/** True when the password is in the offline blocklist (case-insensitive, after NFKC). */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password);
}

/** Parts of the email that may not appear in the password: "alice.smith+shop" and "alice.smith". */
function emailNames(email: string | undefined): string[] {
  if (!email) return [];
  const local = email.normalize("NFKC").toLowerCase().split("@")[0] ?? "";
  const names = new Set([local, local.split("+")[0] ?? ""]);
  return [...names].filter((name) => [...name].length >= 3);
}

function resolveMinLength(minLength: number | undefined): number {
  const value = minLength ?? authConfig().passwordMinLength;
  if (!Number.isInteger(value) || value < 8 || value > 64) {
    throw new RangeError(`password policy: minLength must be a whole number from 8 to 64, got ${value}.`);
  }
  return value;
}

/** Every offline rule the password breaks; an empty list means it is acceptable. */
export function passwordProblems(password: string, options: PasswordPolicyOptions = {}): PasswordProblem[] {
  const minLength = resolveMinLength(options.minLength);
  const productName = options.productName ?? "Shipshape";
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  const lower = normalized.toLowerCase();
  const problems: PasswordProblem[] = [];

  if (length < minLength) {
    problems.push({
      code: "too-short",
      message: `Use at least ${minLength} characters (this one has ${length}). A few unrelated words make a long password that is easy to remember.`,
    });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    problems.push({
      code: "too-long",
      message: `Use at most ${PASSWORD_MAX_LENGTH} characters (this one has ${length}).`,
    });
  }
  if (length <= PASSWORD_MAX_LENGTH && isCommonPassword(normalized)) {
    problems.push({ code: "breached", message: BREACHED_MESSAGE });
  }
  if (emailNames(options.email).some((name) => lower.includes(name))) {
    problems.push({
      code: "contains-email",
      message: "Don't use your email address, or the part before the @, in your password.",
    });
  }
  if (lower.includes(productName.normalize("NFKC").toLowerCase())) {
    problems.push({
      code: "contains-product-name",
      message: `Don't use the name ${productName} in your password.`,
    });
  }
  return problems;
}

export type PwnedPasswordsOptions = {
  /** Base URL of the API; PWNED_PASSWORDS_API_URL by default. */
  apiUrl?: string;
  /** Give up after this long and accept the password (fail open). */
  timeoutMs?: number;
};

/**
 * How often the password appears in Have I Been Pwned's breach corpus (0: not found), or null when
 * the API could not be asked (network error, timeout, unexpected answer): the caller accepts the
 * password then, and a warning is logged. Only the first 5 hex characters of the password's SHA-1
 * leave the server (k-anonymity), and "Add-Padding" hides the answer's size from onlookers.
 */
export async function pwnedPasswordCount(
  password: string,
  options: PwnedPasswordsOptions = {},
): Promise<number | null> {
  const apiUrl = options.apiUrl ?? authConfig().pwnedPasswordsApiUrl;
  const sha1 = createHash("sha1").update(normalizePassword(password), "utf8").digest("hex").toUpperCase();
  const prefix = sha1.slice(0, 5);
  const suffix = sha1.slice(5);
  const url = `${apiUrl.replace(/\/+$/, "")}/range/${prefix}`;
  try {
    const response = await fetch(url, {
      headers: { "Add-Padding": "true", "User-Agent": "Shipshape password policy" },
      signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    for (const line of (await response.text()).split("\n")) {
      const [lineSuffix, count] = line.trim().split(":");
      if (lineSuffix?.toUpperCase() === suffix) return Number.parseInt(count ?? "0", 10) || 0;
    }
    return 0;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    const reason = `${(error as Error).message}${cause ? ` (${cause})` : ""}`;
    logger.warn(
      { apiUrl, reason },
      "Pwned Passwords API unavailable: the password was accepted without the online breach check",
    );
    return null;
  }
}

/**
 * The check for a password being set (sign-up, reset, change): the offline rules, then, when
 * PWNED_PASSWORDS_CHECK is on (or `pwned` is passed) and they all pass, Have I Been Pwned.
 * Returns the problems to show; an empty list means the password is accepted.
 */
export async function checkNewPassword(
  password: string,
  options: PasswordPolicyOptions & { pwned?: PwnedPasswordsOptions | false } = {},
): Promise<PasswordProblem[]> {
  const problems = passwordProblems(password, options);
  const pwned = options.pwned ?? (authConfig().pwnedPasswordsCheck ? {} : false);
  if (problems.length > 0 || pwned === false) return problems;
  const count = await pwnedPasswordCount(password, pwned);
  return count ? [{ code: "breached", message: BREACHED_MESSAGE }] : [];
}

/**
 * The rules in one sentence for the hint under a new-password field, so people learn them before
 * the first refusal rather than after.
 */
export function describePasswordRules(minLength = authConfig().passwordMinLength): string {
  return `At least ${minLength} characters. A few unrelated words make a long password that is easy to remember; no symbols or digits needed.`;
}
