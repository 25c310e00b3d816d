import { generateSecret, generateURI, verifySync } from "otplib";
import QRCode from "qrcode";

// TOTP (RFC 6238) with the parameters every authenticator app supports: SHA-1, 6 digits, 30 s.
// The secret is stored encrypted (encryptSecret with the user's id as context). A code is accepted
// for the current time step and one step either side (clock drift, typing time), and never for a
// step at or before the last one accepted: the caller stores `step` from a successful verification
// on the user (e.g. User.totpLastUsedStep) and passes it back, so a code cannot be replayed, even
// within its 90-second window.

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** ±1 step: otplib takes the window in seconds. */
const TOLERANCE_SECONDS = PERIOD_SECONDS;

/** A new TOTP secret: 20 random bytes (160 bits, RFC 4226's recommendation), base32. */
export function generateTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/**
 * The otpauth:// URI an authenticator app scans:
 * otpauth://totp/Shipshape:alice%40example.com?secret=…&issuer=Shipshape (SHA-1, 6 digits and 30 s
 * are the defaults apps assume, so they are left out).
 */
export function totpUri(options: { secret: string; accountEmail: string; issuer?: string }): string {
  return generateURI({
    issuer: options.issuer ?? "Shipshape",
    label: options.accountEmail,
    secret: options.secret,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
}

/**
 * The URI as a QR code, drawn locally (the secret never leaves the server): `svg` markup and the
 * same image as a `data:` URL for `<img src>`, which the Content-Security-Policy allows.
 */
export async function totpQrCode(uri: string): Promise<{ svg: string; dataUrl: string }> {
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return { svg, dataUrl: `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}` };
}

export type TotpVerification = { ok: true; step: number } | { ok: false };

/**
 * Checks a code typed by the user. `lastUsedStep` is the step stored after the user's previous
 * successful verification (null if none); codes of that step or earlier are refused. On success,
 * store the returned `step` before acting on it. Spaces, dashes and full-width digits are accepted.
 */
export function verifyTotp(input: {
  secret: string;
  code: string;
  lastUsedStep: number | null;
  now?: Date;
}): TotpVerification {
  const { secret, lastUsedStep } = input;
  if (lastUsedStep !== null && !(Number.isSafeInteger(lastUsedStep) && lastUsedStep >= 0)) {
    throw new TypeError(
      `verifyTotp: lastUsedStep must be null or a non-negative integer (the step returned by the last successful verification), got ${lastUsedStep}.`,
    );
  }
  const code = input.code.normalize("NFKC").replace(/[\s-]/g, "");
  if (!new RegExp(`^\\d{${DIGITS}}$`).test(code)) return { ok: false };

  const epoch = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const newestStep = Math.floor((epoch + TOLERANCE_SECONDS) / PERIOD_SECONDS);
  // Every step in the window is already used (the clock went back, or the code was just used).
  // otplib throws for an afterTimeStep beyond its window, so answer here.
  if (lastUsedStep !== null && lastUsedStep >= newestStep) return { ok: false };

  const result = verifySync({
    secret,
    token: code,
    epoch,
    period: PERIOD_SECONDS,
    digits: DIGITS,
    epochTolerance: TOLERANCE_SECONDS,
    ...(lastUsedStep === null ? {} : { afterTimeStep: lastUsedStep }),
  });
  // otplib's result type also covers HOTP, whose results have no timeStep.
  return result.valid && "timeStep" in result ? { ok: true, step: result.timeStep } : { ok: false };
}
