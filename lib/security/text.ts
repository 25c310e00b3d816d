// Hostile text: characters no form field, query parameter, path segment or JSON string of this app
// has a use for, and that break what lies behind the input. PostgreSQL refuses NUL in text and
// jsonb (SQLSTATE 22021) and lone UTF-16 surrogates can't be encoded as UTF-8 at all, so either one
// reaching a query or an audit event's metadata turned a bad request into a 500. The other control
// characters are refused with them because no field means anything by them and each is a way to
// hide or fake text in the audit log, emails and the admin pages (a bell, an escape sequence, a
// backspace over a name). Tab, line feed and carriage return stay: textareas send CR LF.
//
// The route and action wrappers (lib/http) run every request's input through findHostileText
// before its zod schema, so an endpoint is protected whatever its schema says; pages that read
// query parameters, the page gate's org slug and next-auth's credentials use isSafeText.

/**
 * C0 controls except tab, LF and CR; DEL; C1 controls; a high surrogate not followed by a low one;
 * a low surrogate not preceded by a high one.
 */
const HOSTILE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The message a person sees next to the field. */
export const HOSTILE_TEXT_MESSAGE =
  "This contains characters that can't be used here (control characters or broken Unicode). Retype it or paste plain text.";

/** True when `text` holds none of the characters this module refuses. */
export function isSafeText(text: string): boolean {
  return !HOSTILE.test(text);
}

/**
 * The first string in `value` (its keys included, at any depth) that isn't safe text, as the dotted
 * path of the field it sits in ("_" for the value itself), or null when every string is safe. Walks
 * with an explicit stack, so a deeply nested JSON body can't overflow the call stack.
 */
export function findHostileText(value: unknown): string | null {
  const stack: Visit[] = [{ value, at: null }];
  const seen = new Set<object>();
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const current = visit.value;
    if (typeof current === "string") {
      if (!isSafeText(current)) return fieldPath(visit.at);
      continue;
    }
    if (current === null || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    // FormData's File values carry a name: the wrapper never reads one, so its text isn't input.
    if (typeof Blob !== "undefined" && current instanceof Blob) continue;
    for (const [key, child] of Object.entries(current)) {
      if (!isSafeText(key)) return fieldPath(visit.at);
      stack.push({ value: child, at: { key, parent: visit.at } });
    }
  }
  return null;
}

type PathNode = { key: string; parent: PathNode | null };
type Visit = { value: unknown; at: PathNode | null };

/** The answer names at most this many levels of a field's path (a nested body can be deep). */
const MAX_PATH_DEPTH = 8;

function fieldPath(at: PathNode | null): string {
  const keys: string[] = [];
  for (let node = at; node !== null; node = node.parent) keys.push(node.key);
  return keys.length === 0 ? "_" : keys.reverse().slice(0, MAX_PATH_DEPTH).join(".");
}
