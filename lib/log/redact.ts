/**
 * Redaction rules for log lines. Two layers, because either alone leaks:
 * 1. by key: any property whose name looks sensitive is replaced, at any depth;
 * 2. by value: the values of secret environment variables are cut out of the final line, wherever
 *    they appear (inside a URL, an error message, a header dump).
 */
export const REDACTED = "[REDACTED]";

/** Property names whose values never reach a log line. */
export const SENSITIVE_KEY =
  /passw(or)?d|passphrase|^pass$|secret|token|cookie|authorization|api[-_]?key|credential|session[-_]?(id|token)|^session$|^otp$|otp[-_]?code|totp|recovery[-_]?code|card[-_]?number|^cvc$|^cvv$|private[-_]?key/i;

const MAX_DEPTH = 8;

/** Returns a copy of `value` with sensitive properties replaced, at any depth. */
export function redactSensitiveKeys(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  // Errors go to pino's own serializer (type, message, stack, cause); secret values in their text
  // are still cut out by the value scrubber.
  if (value === null || typeof value !== "object" || value instanceof Error) return value;
  if (seen.has(value)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactSensitiveKeys(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = SENSITIVE_KEY.test(key) ? REDACTED : redactSensitiveKeys(child, depth + 1, seen);
  }
  return out;
}

/** Builds a function that cuts every given secret value out of a serialized line. */
export function secretValueScrubber(secrets: string[]): (line: string) => string {
  const unique = [...new Set(secrets.filter((s) => s.length >= 6))].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return (line) => line;
  // A value may appear JSON-escaped in the line (quotes, backslashes), so match both spellings.
  const spellings = unique.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  const pattern = new RegExp([...new Set(spellings)].map(escapeRegExp).join("|"), "g");
  return (line) => line.replace(pattern, REDACTED);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
