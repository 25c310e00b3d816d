// Hostile input never makes a 5xx. Every endpoint and server action the route scan finds (the one
// the coverage test uses) is sent a corpus built from its own declared zod input: first a valid
// value for each field, found by asking the field's schema, then that value replaced field by field
// with NUL, lone surrogates, control characters, 1 MB strings, wrong types, arrays for scalars, and
// whole inputs that are deeply nested, carry `__proto__` keys or aren't JSON; path params with NUL,
// "..", unicode. Each answer must be below 500; a refusal must have the shape every 4xx has (routes:
// `{ error: { code, message, fields? } }`; actions: `{ status: "error", code, message, fields? }`)
// and must leave the database exactly as it was (no partial write). A new endpoint is fuzzed
// without anyone writing a case for it.
//
// The caller is an organization's owner and a platform admin with MFA passed, signed in a moment
// ago, in a world made fresh for each case (so a case that succeeds, or a per-account rate limit,
// doesn't change what the next case meets). Each endpoint gets a case per field with NUL in it,
// a case per path param with NUL in it, and FUZZ_CASES (default 6) cases drawn from the rest with a
// seed printed at the start: rerun a failure with FUZZ_SEED=<seed>.
import { randomBytes, randomUUID } from "node:crypto";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SECURITY_EVENT_LOG_LEVELS } from "@/lib/audit";
import { createToken, hashPassword, hashToken } from "@/lib/auth";
import { type ActionState, endpointDeclaration } from "@/lib/http";
import { HONEYPOT_FIELD } from "@/lib/security";
import { scanEndpoints } from "@/tools/route-coverage";
import { testDb } from "../support/db";
import { type FakeStripe, startFakeStripe } from "../support/fake-stripe";
import {
  deeplyNestedJson,
  fieldsOf,
  HOSTILE_PARAMS,
  HOSTILE_TEXT,
  ODD_TEXT,
  validValueFor,
  WRONG_TYPES,
} from "../support/fuzz";
import { inRequestScope } from "../support/next-request";
import { createTestOrg } from "../support/orgs";
import { sample, seededRandom } from "../support/seeded-random";
import { sessionCookieFor } from "../support/sessions";
import { billingEnv } from "../support/stripe-events";
import { freshIp, TEST_PASSWORD } from "../support/users";

const SEED = Number(process.env.FUZZ_SEED ?? randomBytes(4).readUInt32BE());
const SAMPLED_CASES = Number(process.env.FUZZ_CASES ?? 6);
console.info(`endpoint fuzz: seed ${SEED}, ${SAMPLED_CASES} sampled cases per endpoint (FUZZ_SEED=${SEED})`);

type Handler = (
  request: Request,
  context?: { params: Promise<Record<string, unknown>> },
) => Promise<Response>;
type FormAction = (previous: ActionState, form: FormData) => Promise<ActionState>;
type RouteInput = { params?: never; query?: never; body?: never };

/** One request: what replaces the valid input (each part given replaces that part whole). */
type Case = {
  name: string;
  /**
   * The field that holds hostile text (lib/security/text.ts), as the answer must name it ("_" for a
   * key): such a case must be refused with a 400 `invalid_input` naming it, whatever the endpoint.
   */
  hostileField?: string;
  params?: Record<string, unknown>;
  query?: [string, string][];
  /** A JSON value, or raw text sent as the body. */
  body?: { json: unknown } | { raw: string };
  form?: [string, string][];
};

/** The world one case runs in: an organization the caller owns, a colleague, a project, an invitation. */
async function world(passwordHash: string) {
  const { org, owner, member } = await createTestOrg(["OWNER", "MEMBER"]);
  const caller = owner();
  const colleague = member();
  await testDb().user.update({
    where: { id: caller.userId },
    data: { isPlatformAdmin: true, passwordHash },
  });
  const project = await testDb().project.create({
    data: { orgId: org.id, name: "A project", createdById: colleague.userId },
  });
  const invitation = await testDb().invitation.create({
    data: {
      orgId: org.id,
      email: `invitee-${randomBytes(4).toString("hex")}@example.com`,
      tokenHash: hashToken(createToken()),
      invitedById: caller.userId,
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  const cookie = await sessionCookieFor(caller.userId, { mfa: "verified" });
  /** Values for fields of these names: ids and slugs that exist, so valid input reaches the handler. */
  const known: Record<string, unknown> = {
    org: org.slug,
    projectId: project.id,
    membershipId: colleague.membershipId,
    invitationId: invitation.id,
    userId: colleague.userId,
    nextauth: ["session"],
    path: ["unknown"],
    exportId: randomUUID(),
    email: `fuzz-${randomBytes(4).toString("hex")}@example.com`,
  };
  return { cookie, known };
}

/** Refusals record these on purpose (a failed re-authentication, an authorization denial…). */
const SECURITY_ACTIONS = Object.keys(SECURITY_EVENT_LOG_LEVELS)
  .map((action) => `'${action}'`)
  .join(", ");

/**
 * Every table's rows, hashed: equal before and after a refused request means nothing was written.
 * Security events are left out (a refusal may be one); sessions aren't rows (JWT cookies), and
 * rate-limit counters live in Redis.
 */
async function databaseFingerprint(): Promise<Record<string, string>> {
  const tables = await testDb().$queryRawUnsafe<{ tablename: string }[]>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename",
  );
  const columns = tables
    .map(
      ({ tablename }) =>
        `(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM "${tablename}" t${
          tablename === "AuditEvent" ? ` WHERE t.action NOT IN (${SECURITY_ACTIONS})` : ""
        }) AS "${tablename}"`,
    )
    .join(", ");
  const [row] = await testDb().$queryRawUnsafe<Record<string, string>[]>(`SELECT ${columns}`);
  return row ?? {};
}

function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after).filter((table) => before[table] !== after[table]);
}

/** "app/api/orgs/[org]/members/route.ts" with its params → "/api/orgs/acme/members" (segments encoded). */
function pathOf(file: string, params: Record<string, unknown>): string {
  return file
    .replace(/^app/, "")
    .replace(/\/route\.ts$/, "")
    .replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, name: string) =>
      [params[name]]
        .flat()
        .map((segment) => encodeURIComponent(String(segment).toWellFormed()))
        .join("/"),
    );
}

function routeCases(input: RouteInput, known: Record<string, unknown>, random: () => number): Case[] {
  const params = fieldsOf(input.params);
  const query = fieldsOf(input.query);
  const body = fieldsOf(input.body);
  const validParams = Object.fromEntries(
    [...params].map(([name, field]) => [name, validValueFor(field, known[name], true)]),
  );
  const validQuery = [...query].map(([name, field]) => [
    name,
    String(validValueFor(field, known[name], true)),
  ]) as [string, string][];
  const validBody = Object.fromEntries(
    [...body].map(([name, field]) => [name, validValueFor(field, known[name], false)]),
  );
  const withParam = (name: string, value: unknown) => ({ ...validParams, [name]: value });
  const withQuery = (name: string, value: string): [string, string][] => [
    ...validQuery.filter(([key]) => key !== name),
    [name, value],
  ];
  const withBody = (name: string, value: unknown) => ({ json: { ...validBody, [name]: value } });

  const always: Case[] = [];
  const rest: Case[] = [];
  for (const [name, field] of params) {
    const asParam = (value: string) => (field.kind === "array" ? [value] : value);
    const hostileField = field.kind === "array" ? `${name}.0` : name;
    always.push({ name: `param ${name}: nul`, params: withParam(name, asParam("\u0000")), hostileField });
    for (const [label, value] of Object.entries(HOSTILE_PARAMS))
      rest.push({
        name: `param ${name}: ${label}`,
        params: withParam(name, asParam(value)),
        ...(isHostile(value) && { hostileField }),
      });
  }
  for (const [name] of query) {
    always.push({
      name: `query ${name}: nul`,
      query: withQuery(name, HOSTILE_TEXT.nul as string),
      hostileField: name,
    });
    for (const [label, value] of Object.entries(HOSTILE_TEXT))
      rest.push({
        name: `query ${name}: ${label}`,
        query: withQuery(name, value),
        // A URL is UTF-8: a lone surrogate arrives as U+FFFD, whoever sends it.
        ...(isHostile(value.toWellFormed()) && { hostileField: name }),
      });
    for (const [label, value] of Object.entries(ODD_TEXT))
      rest.push({ name: `query ${name}: ${label}`, query: withQuery(name, value) });
    rest.push({ name: `query ${name}: repeated`, query: [...validQuery, [name, "second"]] });
  }
  rest.push({
    name: "query: a key with nul",
    query: [...validQuery, ["fuzz\u0000key", "x"]],
    hostileField: "_",
  });
  if (input.body) {
    for (const [name, field] of body) {
      if (field.kind === "string")
        always.push({
          name: `body ${name}: nul`,
          body: withBody(name, HOSTILE_TEXT.nul),
          hostileField: name,
        });
      for (const [label, value] of Object.entries(HOSTILE_TEXT))
        rest.push({ name: `body ${name}: ${label}`, body: withBody(name, value), hostileField: name });
      for (const [label, value] of Object.entries({ ...ODD_TEXT, ...WRONG_TYPES }))
        rest.push({ name: `body ${name}: ${label}`, body: withBody(name, value) });
      rest.push({
        name: `body ${name}: nul in an array`,
        body: withBody(name, ["ok", HOSTILE_TEXT.nul]),
        hostileField: `${name}.1`,
      });
    }
    const validJson = JSON.stringify(validBody);
    rest.push(
      { name: "body: an array", body: { json: [validBody] } },
      { name: "body: null", body: { json: null } },
      { name: "body: a string", body: { json: "fuzz" } },
      { name: "body: a number as string", body: { raw: '"12"' } },
      { name: "body: not JSON", body: { raw: "{" } },
      { name: "body: empty", body: { raw: "" } },
      { name: "body: nested 20000 deep", body: { raw: deeplyNestedJson(20_000) } },
      {
        name: "body: __proto__ key",
        body: { raw: `{"__proto__":{"isPlatformAdmin":true},${validJson.slice(1)}` },
      },
      {
        name: "body: constructor.prototype key",
        body: { raw: `{"constructor":{"prototype":{"x":1}},${validJson.slice(1)}` },
      },
      {
        name: "body: a key with nul",
        body: { json: { ...validBody, "fuzz\u0000key": 1 } },
        hostileField: "_",
      },
      {
        name: "body: a key with a lone surrogate",
        body: { raw: `{"\\ud800":1,${validJson.slice(1)}` },
        hostileField: "_",
      },
      {
        name: "body: escaped nul",
        body: { raw: `{"fuzz":"\\u0000",${validJson.slice(1)}` },
        hostileField: "fuzz",
      },
      { name: "body: 1 MB", body: { json: { ...validBody, padding: "x".repeat(1_000_000) } } },
    );
  }
  return [
    {
      name: "valid input",
      params: validParams,
      query: validQuery,
      body: input.body ? { json: validBody } : undefined,
    },
    ...always,
    ...sample(rest, SAMPLED_CASES, random),
  ].map((fuzzCase) => ({
    params: validParams,
    query: validQuery,
    body: input.body ? { json: validBody } : undefined,
    ...fuzzCase,
  }));
}

function actionCases(
  input: Parameters<typeof fieldsOf>[0],
  known: Record<string, unknown>,
  random: () => number,
): Case[] {
  const fields = fieldsOf(input);
  const valid = [...fields].map(([name, field]) => [
    name,
    String(validValueFor(field, known[name], true)),
  ]) as [string, string][];
  const withField = (name: string, value: string): [string, string][] => [
    ...valid.filter(([key]) => key !== name),
    [name, value],
  ];
  const always: Case[] = [];
  const rest: Case[] = [];
  for (const [name] of fields) {
    always.push({
      name: `field ${name}: nul`,
      form: withField(name, HOSTILE_TEXT.nul as string),
      hostileField: name,
    });
    for (const [label, value] of Object.entries(HOSTILE_TEXT))
      rest.push({
        name: `field ${name}: ${label}`,
        form: withField(name, value),
        // A form field is text: a lone surrogate arrives as U+FFFD, like any browser sends it.
        ...(isHostile(value.toWellFormed()) && { hostileField: name }),
      });
    for (const [label, value] of Object.entries(ODD_TEXT))
      rest.push({ name: `field ${name}: ${label}`, form: withField(name, value) });
    rest.push(
      { name: `field ${name}: repeated (an array)`, form: [...valid, [name, "second"]] },
      { name: `field ${name}: missing`, form: valid.filter(([key]) => key !== name) },
    );
  }
  rest.push(
    { name: "form: a __proto__ field", form: [...valid, ["__proto__", "x"]] },
    { name: "form: a constructor field", form: [...valid, ["constructor", "x"]] },
    { name: "form: a field name with nul", form: [...valid, ["fuzz\u0000key", "x"]], hostileField: "_" },
    {
      name: "form: the honeypot with nul",
      form: [...valid, [HONEYPOT_FIELD, "\u0000"]],
      hostileField: HONEYPOT_FIELD,
    },
    { name: "form: empty", form: [] },
  );
  return [{ name: "valid input", form: valid }, ...always, ...sample(rest, SAMPLED_CASES, random)];
}

const ERROR_CODE = /^[a-z][a-z0-9_]*$/;

/** Whether a value holds text the edge refuses (mirrors lib/security/text.ts on purpose: a second opinion). */
function isHostile(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
  return /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/.test(value) || !value.isWellFormed();
}

/** A hostile-text case must be refused with 400 `invalid_input` naming the field. */
function hostileRefusalProblem(
  fuzzCase: Case,
  status: number,
  error: { code?: unknown; fields?: Record<string, unknown> } | undefined,
): string | null {
  if (!fuzzCase.hostileField) return null;
  const ok =
    status === 400 &&
    error?.code === "invalid_input" &&
    Object.hasOwn(error.fields ?? {}, fuzzCase.hostileField);
  return ok
    ? null
    : `hostile text in ${fuzzCase.hostileField} not refused as invalid_input naming it: ${status} ${String(JSON.stringify(error)).slice(0, 200)}`;
}

/** A refusal's body must be the wrapper's: `{ error: { code, message, fields? } }` and nothing else. */
function errorOf(text: string): { code?: unknown; fields?: Record<string, unknown> } | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: unknown; fields?: Record<string, unknown> } }).error;
  } catch {
    return undefined;
  }
}

function routeErrorShapeProblem(text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 200)}`;
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  const ok =
    body !== null &&
    Object.keys(body as object).join() === "error" &&
    typeof error?.code === "string" &&
    ERROR_CODE.test(error.code) &&
    typeof error.message === "string" &&
    error.message.length > 0 &&
    Object.keys(error).every((key) => ["code", "message", "fields"].includes(key));
  return ok ? null : `not the error shape: ${text.slice(0, 200)}`;
}

function actionErrorShapeProblem(state: ActionState): string | null {
  if (state.status !== "error") return null;
  const ok =
    ERROR_CODE.test(state.code) &&
    state.message.length > 0 &&
    Object.keys(state).every((key) => ["status", "code", "message", "fields"].includes(key));
  return ok ? null : `not the error shape: ${JSON.stringify(state).slice(0, 200)}`;
}

function requestFor(file: string, method: string, fuzzCase: Case, cookie: string): NextRequest {
  const url = new URL(pathOf(file, fuzzCase.params ?? {}), "http://localhost");
  for (const [name, value] of fuzzCase.query ?? []) url.searchParams.append(name, value);
  const headers = new Headers({ cookie, "x-forwarded-for": freshIp(), "user-agent": "vitest fuzz" });
  let body: string | undefined;
  if (fuzzCase.body && method !== "GET" && method !== "HEAD") {
    headers.set("content-type", "application/json");
    body = "json" in fuzzCase.body ? JSON.stringify(fuzzCase.body.json) : fuzzCase.body.raw;
  }
  return new NextRequest(new Request(url, { method, headers, body }));
}

/** Calls a route handler as Next.js would; a throw is what Next answers with a 500. */
async function callRoute(file: string, method: string, handler: Handler, fuzzCase: Case, cookie: string) {
  const request = requestFor(file, method, fuzzCase, cookie);
  try {
    const response = await inRequestScope(request, () =>
      handler(request, { params: Promise.resolve(fuzzCase.params ?? {}) }),
    );
    return { status: response.status, text: await response.text() };
  } catch (error) {
    return { status: 500, text: `threw: ${String(error)}` };
  }
}

/** Submits a form to a server action as Next.js would; a throw other than a redirect is a 500. */
async function callAction(action: FormAction, fuzzCase: Case, cookie: string) {
  const headers = new Headers({ cookie, "x-forwarded-for": freshIp(), "user-agent": "vitest fuzz" });
  const form = new FormData();
  for (const [name, value] of fuzzCase.form ?? []) form.append(name, value);
  try {
    const state = await inRequestScope(new Request("http://localhost/", { method: "POST", headers }), () =>
      action({ status: "idle" }, form),
    );
    return { state };
  } catch (error) {
    const digest = (error as { digest?: unknown } | null)?.digest;
    // redirect() and notFound() end an action by throwing; Next answers them, not with a 500.
    if (typeof digest === "string" && /^(NEXT_REDIRECT|NEXT_HTTP_ERROR_FALLBACK;404)/.test(digest))
      return { state: null };
    return { thrown: String(error) };
  }
}

// Billing on, against a fake Stripe, so checkout, the portal and refunds run as in production.
let fakeStripe: FakeStripe;
beforeAll(async () => {
  fakeStripe = await startFakeStripe();
  for (const [name, value] of Object.entries(billingEnv(fakeStripe.url))) vi.stubEnv(name, value);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await fakeStripe.close();
});

const endpoints = await scanEndpoints();
const passwordHash = await hashPassword(TEST_PASSWORD);

describe("hostile input on every endpoint", () => {
  it("finds endpoints and actions to fuzz", () => {
    expect(endpoints.filter((endpoint) => endpoint.kind === "route").length).toBeGreaterThan(20);
    expect(endpoints.filter((endpoint) => endpoint.kind === "action").length).toBeGreaterThan(20);
  });

  for (const endpoint of endpoints) {
    const label = `${endpoint.kind} ${endpoint.file} ${endpoint.exportName}`;
    it(`${label}: no 5xx, the error shape, no partial write`, { timeout: 300_000 }, async () => {
      const module = (await import(`@/${endpoint.file.replace(/\.tsx?$/, "")}`)) as Record<string, unknown>;
      const exported = module[endpoint.exportName];
      const declaration = endpointDeclaration(exported) as { input: unknown } | undefined;
      expect(declaration, `${label} is not wrapped`).toBeDefined();
      const random = seededRandom(SEED ^ hashLabel(label));
      const { known: knownForCases } = await world(passwordHash);
      const cases =
        endpoint.kind === "route"
          ? routeCases(declaration?.input as RouteInput, knownForCases, random)
          : actionCases(declaration?.input as Parameters<typeof fieldsOf>[0], knownForCases, random);

      const problems: string[] = [];
      for (const fuzzCase of cases) {
        // A fresh world, with the ids and slugs of this case in place of the ones cases were built from.
        const { cookie, known } = await world(passwordHash);
        const rebound = rebind(fuzzCase, knownForCases, known);
        const before = await databaseFingerprint();
        if (endpoint.kind === "route") {
          const { status, text } = await callRoute(
            endpoint.file,
            endpoint.exportName,
            exported as Handler,
            rebound,
            cookie,
          );
          if (status >= 500) problems.push(`${fuzzCase.name}: ${status} ${text.slice(0, 300)}`);
          else {
            const refusal = hostileRefusalProblem(fuzzCase, status, errorOf(text));
            if (refusal) problems.push(`${fuzzCase.name}: ${refusal}`);
          }
          if (status >= 400 && status < 500) {
            const shape = routeErrorShapeProblem(text);
            if (shape) problems.push(`${fuzzCase.name}: ${status} ${shape}`);
            const changed = changedTables(before, await databaseFingerprint());
            if (changed.length > 0)
              problems.push(`${fuzzCase.name}: refused (${status}) but wrote ${changed}`);
          }
        } else {
          const outcome = await callAction(exported as FormAction, rebound, cookie);
          if ("thrown" in outcome) problems.push(`${fuzzCase.name}: threw ${outcome.thrown?.slice(0, 300)}`);
          else {
            const state = outcome.state;
            const refusal = hostileRefusalProblem(
              fuzzCase,
              state?.status === "error" ? 400 : 200,
              state?.status === "error" ? state : undefined,
            );
            if (refusal) problems.push(`${fuzzCase.name}: ${refusal}`);
          }
          if (!("thrown" in outcome) && outcome.state?.status === "error") {
            if (outcome.state.code === "internal_error") problems.push(`${fuzzCase.name}: internal_error`);
            const shape = actionErrorShapeProblem(outcome.state);
            if (shape) problems.push(`${fuzzCase.name}: ${shape}`);
            const changed = changedTables(before, await databaseFingerprint());
            if (changed.length > 0)
              problems.push(`${fuzzCase.name}: refused (${outcome.state.code}) but wrote ${changed}`);
          }
        }
      }
      expect(problems.join("\n"), `${label} (FUZZ_SEED=${SEED})`).toBe("");
    });
  }
});

/** Replaces the first world's ids and slugs in a case with the fresh world's. */
function rebind(fuzzCase: Case, from: Record<string, unknown>, to: Record<string, unknown>): Case {
  const swaps = Object.keys(from)
    .filter((name) => typeof from[name] === "string")
    .map((name) => [from[name] as string, to[name] as string] as const);
  const swap = (value: unknown): unknown => {
    if (typeof value === "string") {
      const hit = swaps.find(([old]) => old === value);
      return hit ? hit[1] : value;
    }
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  const pairs = (list?: [string, string][]) =>
    list?.map(([name, value]) => [name, swap(value)] as [string, string]);
  return {
    ...fuzzCase,
    params: swap(fuzzCase.params) as Record<string, unknown> | undefined,
    query: pairs(fuzzCase.query),
    form: pairs(fuzzCase.form),
    body:
      fuzzCase.body && "json" in fuzzCase.body
        ? { json: swap(fuzzCase.body.json) }
        : fuzzCase.body && {
            raw: swaps.reduce((text, [old, fresh]) => text.replaceAll(old, fresh), fuzzCase.body.raw),
          },
  };
}

function hashLabel(label: string): number {
  let hash = 0;
  for (const char of label) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return hash;
}
