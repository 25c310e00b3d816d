import { z } from "zod";
import { appUrlSchema } from "./app-url";
import * as envModules from "./modules";

const optionalString = z.string().min(1).optional();
const flag = z.stringbool().default(false);

/** Keys that belong to the app as a whole rather than to one module. */
const appEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  APP_URL: appUrlSchema,
  PRODUCTION_DATABASE_HOSTS: optionalString.describe(
    "Comma-separated database hosts the seed must never touch (wildcards like *.prod.example.com).",
  ),
  ENABLE_TEST_ROUTES: flag.describe(
    "Serves /api/test-support/* for the e2e tests. Never set it in a deployment.",
  ),
});

/** Browser-visible keys (lib/env/public.ts reads them in client code), validated here at startup. */
const publicEnvSchema = z.object({
  NEXT_PUBLIC_SENTRY_DSN: z.url({ error: "must be a Sentry DSN URL" }).optional(),
});

/**
 * What a module's config.ts exports as `envModule` for lib/env to compose: its keys, and the rules
 * that span several keys (zod drops a schema's refinements when shapes are merged, so they are
 * passed on their own). `check` receives the whole environment, every variable checked on its own
 * first; an invalid one reads as unset.
 */
export interface EnvModule<Env = never> {
  schema: z.ZodObject;
  check?: (env: Env, ctx: z.RefinementCtx) => void;
  /**
   * Modules this one cannot run without (audit uses db): listing this one validates them too, once,
   * under their own name, whether or not they are listed as well. An app that copies audit adds one
   * line to lib/env/modules.ts, not two.
   */
  uses?: Record<string, EnvModule<never>>;
}

type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (
  value: infer I,
) => void
  ? I
  : never;

/** The parsed variables of one env module and of the modules it uses. */
type EnvModuleFields<Module> = Module extends { schema: infer Schema extends z.ZodType }
  ? z.infer<Schema> & (Module extends { uses: infer Used } ? EnvModulesFields<Used> : unknown)
  : never;
type EnvModulesFields<Modules> = UnionToIntersection<
  { [Name in keyof Modules]: EnvModuleFields<Modules[Name]> }[keyof Modules]
>;

/** The parsed variables of a set of env modules, with the app's own keys and the public ones. */
export type ComposedEnvFields<Modules> = z.infer<typeof appEnvSchema> &
  z.infer<typeof publicEnvSchema> &
  EnvModulesFields<Modules>;

type ServerEnvFields = ComposedEnvFields<typeof envModules>;
/** Every listed module's `check` must accept the composed environment: a rule reading a key no module declares fails tsc. */
type CheckedEnvModules = { readonly [Name in keyof typeof envModules]: EnvModule<ServerEnvFields> };

/**
 * The server environment schema for `modules` (name → envModule): every variable's own check, then
 * the rules that span several, all in one pass so that one start lists every problem. (On a merged
 * object, zod skips refinements once a field fails: a `LOG_LEVEL=verbose` would hide a missing
 * AUTH_SECRET until the next start.) A module may declare an app key (NODE_ENV, APP_URL) again to
 * read its own config alone: lib/env's declaration is the one used. Two modules declaring one key
 * is a programming error, thrown here at import.
 */
export function composeServerEnvSchema<Modules extends Record<string, EnvModule<never>>>(modules: Modules) {
  type Fields = ComposedEnvFields<Modules>;
  const appFields: Record<string, z.ZodType> = { ...appEnvSchema.shape };
  const fields: Record<string, z.ZodType> = { ...appFields };
  const declaredBy = new Map<string, string>(Object.keys(appFields).map((name) => [name, "env"]));
  const checks: ((env: Fields, ctx: z.RefinementCtx) => void)[] = [];
  // Each module once, the modules it uses first: the same envModule object listed and used (db, by
  // audit) is one module, not two declaring DATABASE_URL.
  const composed = new Map<EnvModule<never>, string>();
  const add = (moduleName: string, envModule: EnvModule<never> | undefined) => {
    // Only what looks like an env module: a bundler's namespace object may carry other keys.
    if (!(envModule?.schema instanceof z.ZodObject) || composed.has(envModule)) return;
    for (const [usedName, used] of Object.entries(envModule.uses ?? {})) add(usedName, used);
    composed.set(envModule, moduleName);
  };
  for (const [moduleName, envModule] of Object.entries(modules)) add(moduleName, envModule);
  for (const [envModule, moduleName] of composed) {
    for (const [name, field] of Object.entries(envModule.schema.shape as Record<string, z.ZodType>)) {
      if (name in appFields) continue;
      const other = declaredBy.get(name);
      if (other !== undefined) {
        throw new Error(
          `${name} is declared by both lib/${other} and lib/${moduleName}: a variable belongs to one module's config.ts.`,
        );
      }
      declaredBy.set(name, moduleName);
      fields[name] = field;
    }
    if (envModule.check) checks.push(envModule.check as (env: Fields, ctx: z.RefinementCtx) => void);
  }
  for (const [name, field] of Object.entries(publicEnvSchema.shape as Record<string, z.ZodType>)) {
    fields[name] ??= field;
  }

  return z.record(z.string(), z.string().optional()).transform((input, ctx) => {
    const env: Record<string, unknown> = {};
    const invalid = new Set<string>();
    for (const [name, field] of Object.entries(fields)) {
      const parsed = field.safeParse(input[name]);
      if (parsed.success) {
        env[name] = parsed.data;
        continue;
      }
      invalid.add(name);
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [name, ...issue.path] });
      // The cross-field rules see an invalid variable as unset (its default, if it has one).
      const unset = field.safeParse(undefined);
      env[name] = unset.success ? unset.data : undefined;
    }
    // They say nothing more about an invalid variable: its own problem is listed already. A required
    // variable that failed (DATABASE_URL) is undefined here, against its type; no rule reads one.
    const checked = env as Fields;
    const report = {
      ...ctx,
      addIssue(issue) {
        const name = typeof issue === "string" ? undefined : issue.path?.[0];
        if (name === undefined || !invalid.has(String(name))) ctx.addIssue(issue);
      },
    } satisfies z.RefinementCtx;
    for (const check of checks) check(checked, report);
    checkAppUrl(checked, report);
    return { ...checked, APP_URL: checked.APP_URL ?? DEVELOPMENT_APP_URL };
  });
}

/** The server environment: lib/env's own keys and those of every module in lib/env/modules.ts. */
export const serverEnvSchema = composeServerEnvSchema(envModules satisfies CheckedEnvModules);

/** Where `npm run dev` serves the app; APP_URL's value everywhere but production when unset. */
const DEVELOPMENT_APP_URL = "http://localhost:3000";

/** Hosts a production build may run on over plain http: this machine (local runs, the e2e suite). */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * In production APP_URL must be set (else emails link to localhost) and https, because the session
 * cookie is Secure, and carries the __Secure- prefix, only when APP_URL is https: a deployment that
 * forgot it would send session cookies over plain http too.
 */
function checkAppUrl(env: { NODE_ENV: string; APP_URL?: string | undefined }, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV !== "production") return;
  if (!env.APP_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["APP_URL"],
      message: "is not set. Set it to the app's public https URL, such as https://app.example.com.",
    });
    return;
  }
  const url = new URL(env.APP_URL);
  if (url.protocol !== "https:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    ctx.addIssue({
      code: "custom",
      path: ["APP_URL"],
      message:
        "must start with https:// in production: session cookies are marked Secure only for an https APP_URL. " +
        "(Plain http is accepted only for localhost, to run a production build on this machine.)",
    });
  }
}

export type ServerEnv = z.infer<typeof serverEnvSchema>;
