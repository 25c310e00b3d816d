// Canonical JSON: one exact text for a value, so that a hash over it is reproducible by anyone, in
// any language, years later. Object keys sorted (by UTF-16 code units, as RFC 8785 does), no
// whitespace, Dates as ISO 8601 UTC strings, numbers and strings spelled as JSON.stringify spells
// them. Anything JSON cannot carry faithfully is refused rather than silently changed.

/**
 * The canonical JSON text of `value` (`name` is how error messages call it). Properties whose value is undefined are left out (as in
 * JSON.stringify). Throws a TypeError naming the path of a value JSON cannot represent: NaN and
 * infinities, bigint, functions, symbols, undefined array items, circular references, and objects
 * other than plain objects, arrays and valid Dates (a Map or a class instance would otherwise turn
 * into `{}` without a word).
 */
export function canonicalJson(value: unknown, name = "value"): string {
  return serialize(value, name, new Set());
}

function serialize(value: unknown, path: string, ancestors: Set<object>): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw refuse(path, `is ${value}, which JSON cannot represent`);
    return JSON.stringify(value);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw refuse(path, "is an invalid Date");
    return JSON.stringify(value.toISOString());
  }
  if (typeof value !== "object") {
    throw refuse(path, `is ${typeof value === "undefined" ? "undefined" : `a ${typeof value}`}`);
  }
  if (ancestors.has(value)) throw refuse(path, "is a circular reference");
  ancestors.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item, index) => serialize(item, `${path}[${index}]`, ancestors)).join(",")}]`;
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw refuse(path, `is a ${prototype?.constructor?.name ?? "non-plain object"}, not a plain object`);
    }
    const members: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined)
        members.push(`${JSON.stringify(key)}:${serialize(child, `${path}.${key}`, ancestors)}`);
    }
    text = `{${members.join(",")}}`;
  }
  ancestors.delete(value);
  return text;
}

function refuse(path: string, problem: string): TypeError {
  return new TypeError(
    `canonicalJson: ${path} ${problem}. Pass only JSON values: strings, finite numbers, booleans, null, ` +
      "plain objects, arrays and Dates (convert the rest, for example a bigint to a string).",
  );
}
