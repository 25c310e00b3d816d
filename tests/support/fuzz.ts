// Building blocks of the endpoint fuzz suite (tests/integration/fuzz-endpoints.test.ts): a seeded
// random source, valid values found from an endpoint's own zod schema, and the hostile values sent in
// their place. Nothing here knows any endpoint: what a field accepts is asked of its schema.
import { randomUUID } from "node:crypto";
import type { z } from "zod";

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
};
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Strips optional, default, pipe and friends to what the value is checked as. */
function core(schema: z.ZodType): z.ZodType {
  for (let current = schema; ; ) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in && def.out)
      current = defOf(def.in).type === "transform" ? def.out : def.in;
    else return current;
  }
}

export type FieldKind = "string" | "number" | "boolean" | "array" | "object";

/** The fields of an object schema (through its wrappers), with what kind of value each takes. */
export function fieldsOf(schema: z.ZodType | undefined): Map<string, { schema: z.ZodType; kind: FieldKind }> {
  const fields = new Map<string, { schema: z.ZodType; kind: FieldKind }>();
  if (!schema) return fields;
  // An object schema behind a pipe (preprocess) or a refinement: the object's own shape.
  let object = core(schema);
  const outer = defOf(schema);
  if (defOf(object).type !== "object" && outer.type === "pipe" && outer.out) object = core(outer.out);
  const shape = defOf(object).shape;
  if (!shape) return fields;
  for (const [name, field] of Object.entries(shape)) {
    const type = defOf(core(field)).type;
    const kind: FieldKind =
      type === "array"
        ? "array"
        : type === "object" || type === "record"
          ? "object"
          : type === "number" || type === "int" || type === "bigint"
            ? "number"
            : type === "boolean"
              ? "boolean"
              : "string";
    fields.set(name, { schema: field, kind });
  }
  return fields;
}

/** Plausible valid strings, tried in order against a field's schema; the first it accepts is used. */
function stringCandidates(): string[] {
  const token = randomUUID().replaceAll("-", "");
  return [
    `fuzz-${token.slice(0, 10)}`,
    "Fuzz value",
    randomUUID(),
    `fuzz-${token.slice(0, 8)}@example.com`,
    "true",
    "123456",
    "1",
    "2026-01-01",
    "A long and perfectly fine passphrase 1!",
    token,
    "https://example.com/",
    "",
  ];
}

/**
 * A value the field's schema accepts: `known` (the world's id or slug for a field of that name)
 * when it does, else the first candidate that passes, else a plain string. `asText`: the value of a
 * form field (strings only).
 */
export function validValueFor(
  field: { schema: z.ZodType; kind: FieldKind },
  known: unknown,
  asText: boolean,
): unknown {
  const candidates: unknown[] = [known];
  if (field.kind === "array") {
    const element = defOf(core(field.schema)).element;
    const elementValue = element ? validValueFor({ schema: element, kind: "string" }, known, asText) : "x";
    candidates.push(Array.isArray(known) ? known : [elementValue]);
  } else if (!asText && field.kind === "number") candidates.push(1, 0, 100);
  else if (!asText && field.kind === "boolean") candidates.push(true, false);
  else if (field.kind === "object") candidates.push({});
  // Enums and literals: their own options.
  const options = (core(field.schema) as unknown as { options?: unknown[] }).options;
  if (Array.isArray(options)) candidates.push(...options);
  candidates.push(...stringCandidates());
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    if (field.schema.safeParse(candidate).success) return candidate;
  }
  return "fuzz";
}

/** A body nested `depth` levels deep, as JSON text (built as text: no recursion to overflow). */
export function deeplyNestedJson(depth: number): string {
  return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
}

/** Text values that must never get past the edge, nor make a 5xx. */
export const HOSTILE_TEXT: Record<string, string> = {
  nul: "fuzz\u0000value",
  "lone high surrogate": "fuzz\uD800value",
  "lone low surrogate": "\uDC00fuzz",
  "control character": "fuzz\u001b[2Jvalue",
  "C1 control": "fuzz\u0085value",
};

/** Text values a field must either accept or refuse with a 4xx. */
export const ODD_TEXT: Record<string, string> = {
  "1 MB string": "x".repeat(1_000_000),
  "number as string": "1e309",
  "negative zero": "-0",
  NaN: "NaN",
  "path traversal": "../../etc/passwd",
  dots: "..",
  "percent-encoded nul": "%00",
  unicode: "Zoë 👩🏽‍💻 ǅ ﬀ \u202Eevil\u202C 日本語 \u0301",
  "zero-width": "\u200B\u200D\uFEFF",
  "empty string": "",
  "only spaces": "   ",
  "sql quote": "' OR '1'='1",
  "prototype key": "__proto__",
};

/** Non-text values for JSON bodies and query-less fields. */
export const WRONG_TYPES: Record<string, unknown> = {
  number: 12345,
  "huge number": 1e308,
  boolean: true,
  null: null,
  object: { nested: { value: "x" } },
  "array for a scalar": ["a", "b"],
  "empty array": [],
};

/** Path parameter values (route handlers get them decoded, as Next.js hands them over). */
export const HOSTILE_PARAMS: Record<string, string> = {
  nul: "\u0000",
  "nul inside": "acme\u0000",
  "lone surrogate": "\uD800",
  dots: "..",
  traversal: "../../etc/passwd",
  "percent-encoded nul": "%00",
  unicode: "ünïcødé-👩🏽‍💻",
  long: "a".repeat(10_000),
  control: "\u001b[2J",
};
