import type { PasswordProblem } from "./password-policy";

/**
 * A refusal from one of the identity flows (sign-up, verification, reset, password and email change)
 * that the person can act on. It carries an HTTP `status`, a stable `code`, a `message` written for
 * the person, and per-field messages, which is what lib/http's wrapper turns into
 * `{ error: { code, message, fields } }` (or the form's error state). Never thrown for a case that
 * would reveal whether an account exists.
 */
export class AuthFlowError extends Error {
  override name = "AuthFlowError";

  constructor(
    readonly status: number,
    /** Stable: rate_limited, rate_limit_unavailable, invalid_link, weak_password, wrong_password… */
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string[]>,
    /** For rate_limited and rate_limit_unavailable: how long to wait before trying again (seconds). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const authFlowErrors = {
  invalidLink: () =>
    new AuthFlowError(
      400,
      "invalid_link",
      "This link is invalid, already used or expired. Ask for a new one.",
    ),
  weakPassword: (problems: PasswordProblem[], field = "password") =>
    new AuthFlowError(400, "weak_password", "Choose a different password.", {
      [field]: problems.map((problem) => problem.message),
    }),
  currentPasswordRequired: () =>
    new AuthFlowError(400, "current_password_required", "Enter your current password.", {
      currentPassword: ["Enter your current password to confirm it's you."],
    }),
  wrongPassword: () =>
    new AuthFlowError(400, "wrong_password", "That is not your current password.", {
      currentPassword: ["That is not your current password."],
    }),
  stepUpRequired: () =>
    new AuthFlowError(
      403,
      "step_up_required",
      "Confirm it's you first: your account has no password, so re-authenticate with your second factor.",
    ),
  sameEmail: () =>
    new AuthFlowError(400, "same_email", "That is already your email address.", {
      email: ["That is already your email address."],
    }),
};
