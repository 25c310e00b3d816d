// Checks of the configuration and the build: secrets in browser files, production env, test keys,
// authorization coverage, rate-limit store, monitoring, billing.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Redis } from "ioredis";
import { renderPermissionsMarkdown } from "../authz/docs";
import { type BillingConfig, PRICE_ENV, readBillingConfig } from "../billing";
import { InvalidEnvironmentError, parseEnv, secretEnvValues, serverEnvSchema } from "../env";
import { rateLimitStoreKind } from "../ratelimit/config";
import { PROBE_TIMEOUT_MS } from "./checks-live";
import { fail, listSome, pass, warn } from "./finding";
import type { Check } from "./types";

const isProductionTrue = (value: string | undefined) => value === "true" || value === "1";

// --- Secrets in what browsers get ----------------------------------------------------------------

/** Key shapes that must never reach a browser, whatever variable (or file) they came from. */
const SECRET_PATTERNS: { name: string; pattern: RegExp }[] = [
  { name: "a Stripe secret key (sk_live_/sk_test_)", pattern: /\bsk_(?:live|test)_[0-9A-Za-z]{8,}/ },
  { name: "a Stripe restricted key (rk_live_/rk_test_)", pattern: /\brk_(?:live|test)_[0-9A-Za-z]{8,}/ },
  { name: "a Stripe webhook secret (whsec_)", pattern: /\bwhsec_[0-9A-Za-z+/=]{8,}/ },
  { name: "a private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
];

// Prerendered pages and their RSC payloads are sent to browsers as they are; server bundles are not.
const PRERENDERED = /\.(?:html|rsc|body|txt|json|xml)$/;

async function filesUnder(dir: string, keep: (file: string) => boolean = () => true): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter(keep);
}

/** Secret values worth searching for: the secret-looking variables, minus anything also public. */
function secretNeedles(env: Record<string, string | undefined>): { name: string; value: string }[] {
  const publicValues = Object.entries(env)
    .filter(([name, value]) => name.startsWith("NEXT_PUBLIC_") && value)
    .map(([, value]) => value as string);
  const needles: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    for (const secret of secretEnvValues({ [name]: value })) {
      // Short values (a key id like "k1") would match by accident; public ones (a DSN that is both
      // SENTRY_DSN and NEXT_PUBLIC_SENTRY_DSN) belong in browsers.
      const isPublic = publicValues.some((value) => value.includes(secret));
      if (secret.length >= 8 && !isPublic) needles.push({ name, value: secret });
    }
  }
  return needles;
}

export const secretsInBrowserFiles: Check = {
  id: "secrets.browser-files",
  title: "no secret in what browsers download",
  async run(ctx) {
    const staticDir = path.join(ctx.nextDir, "static");
    if (!existsSync(staticDir)) {
      return fail(
        `no production build in ${path.relative(ctx.root, ctx.nextDir) || ctx.nextDir}: nothing to check`,
        "Run `npm run build` with the production environment, then the doctor again.",
      );
    }
    const files = [
      ...(await filesUnder(staticDir)),
      ...(await filesUnder(ctx.publicDir)),
      ...(await filesUnder(path.join(ctx.nextDir, "server", "app"), (file) => PRERENDERED.test(file))),
    ];
    const needles = secretNeedles(ctx.env);
    const leaks: string[] = [];
    for (const file of files) {
      const text = await readFile(file, "latin1");
      const where = path.relative(ctx.root, file);
      for (const { name, value } of needles) {
        if (text.includes(value)) leaks.push(`${where} holds the value of ${name}`);
      }
      for (const { name, pattern } of SECRET_PATTERNS) {
        if (pattern.test(text)) leaks.push(`${where} holds ${name}`);
      }
    }
    if (leaks.length > 0) {
      return fail(
        `${leaks.length} leak(s): ${listSome(leaks, 2)}`,
        "Keep server code out of client components (only NEXT_PUBLIC_ values may reach browsers), rotate the leaked secret, rebuild.",
      );
    }
    return pass(`${files.length} browser-served files, no secret value or secret key shape`);
  },
};

// --- Environment ---------------------------------------------------------------------------------

/** The problems lib/env reports for `env` as production would read it ([] when it is valid). */
function productionEnvProblems(env: Record<string, string | undefined>): string[] {
  try {
    parseEnv(serverEnvSchema, { ...env, NODE_ENV: "production" });
    return [];
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
}

export const envValidForProduction: Check = {
  id: "env.production",
  title: "the environment is valid for production",
  async run(ctx) {
    const problems = new Set(productionEnvProblems(ctx.env));
    // zod runs the cross-field rules (production needs SMTP_URL, real auth secrets…) only once every
    // required key is present: check again with a stand-in database URL, so all problems show at once.
    if (!ctx.env.DATABASE_URL) {
      const standIn = { ...ctx.env, DATABASE_URL: "postgresql://stand-in@localhost/stand-in" };
      for (const problem of productionEnvProblems(standIn)) problems.add(problem);
    }
    if (problems.size === 0) return pass("every variable is set and valid with NODE_ENV=production");
    const names = [...new Set([...problems].map((problem) => problem.slice(0, problem.indexOf(":"))))];
    return fail(
      `${names.length} variable(s) not right for production: ${names.join(", ")}`,
      `Set them for the deployment (.env.example explains each); first: ${[...problems][0]}`,
    );
  },
};

const TEST_KEY = /^(?:sk|rk|pk)_test_/;

export const noTestKeys: Check = {
  id: "env.test-keys",
  title: "no test keys or test switches",
  async run(ctx) {
    if (isProductionTrue(ctx.env.ENABLE_TEST_ROUTES)) {
      return fail(
        "ENABLE_TEST_ROUTES is on: /api/test-support/* is served",
        "Remove ENABLE_TEST_ROUTES from the deployment's environment.",
      );
    }
    const testKeys = ["STRIPE_SECRET_KEY", "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY"].filter((name) =>
      TEST_KEY.test(ctx.env[name] ?? ""),
    );
    if (testKeys.length === 0) return pass("no Stripe test-mode key, test routes off");
    if (isProductionTrue(ctx.env.ALLOW_TEST_KEYS_IN_PRODUCTION)) {
      return warn(
        `${testKeys.join(", ")} test-mode, allowed by ALLOW_TEST_KEYS_IN_PRODUCTION (a staging deployment)`,
        "For production, set live keys and remove ALLOW_TEST_KEYS_IN_PRODUCTION.",
      );
    }
    return fail(
      `${testKeys.join(" and ")} ${testKeys.length === 1 ? "is a" : "are"} test-mode key(s)`,
      "Set the live keys from the Stripe dashboard.",
    );
  },
};

// --- Authorization -------------------------------------------------------------------------------

export const routesWrapped: Check = {
  id: "authz.routes",
  title: "every endpoint goes through the wrapper, every signed-in page calls a gate",
  async run(ctx) {
    if (!ctx.scanEndpoints) {
      return warn("not checked: no route-coverage scan given", "Run the doctor with `npm run doctor`.");
    }
    // The scan lists pages too (exportName "(page)"): a page outside the public areas without a gate.
    const scanned = await ctx.scanEndpoints(ctx.root);
    const problems = scanned.filter((entry) => entry.problem !== null);
    if (problems.length > 0) {
      return fail(
        `${problems.length} endpoint(s) or page(s): ${listSome(
          problems.map((e) => `${e.file} ${e.exportName}: ${e.problem}`),
          2,
        )}`,
        "Build each endpoint with route()/action() from lib/http, declaring auth, permission, rate limit and input; call requirePageUser, requirePageMember or requirePagePlatformAdmin in each signed-in page.",
      );
    }
    const pages = scanned.filter((entry) => entry.exportName === "(page)").length;
    return pass(
      `${scanned.length - pages} endpoints, each wrapped with its auth, rate limit and input declared; ${pages} pages, each gated or public by a listed reason`,
    );
  },
};

export const permissionsDocCurrent: Check = {
  id: "authz.permissions-doc",
  title: "docs/PERMISSIONS.md matches the policy table",
  async run(ctx) {
    const file = path.join(ctx.root, "docs", "PERMISSIONS.md");
    const current = existsSync(file) ? await readFile(file, "utf8") : null;
    if (current === renderPermissionsMarkdown())
      return pass("generated from lib/authz/policy.ts and current");
    return fail(
      current === null
        ? "docs/PERMISSIONS.md is missing"
        : "docs/PERMISSIONS.md differs from lib/authz/policy.ts",
      "Run `npm run authz:docs` and commit the result.",
    );
  },
};

// --- Rate limits ---------------------------------------------------------------------------------

async function pingRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    commandTimeout: 2_000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

export const sharedRateLimitStore: Check = {
  id: "ratelimit.shared-store",
  title: "rate limits are shared by every instance",
  async run(ctx) {
    const kind = rateLimitStoreKind(ctx.env);
    if (kind === "upstash") return pass("Upstash Redis (UPSTASH_REDIS_REST_URL)");
    if (kind === "redis") {
      try {
        await pingRedis(ctx.env.REDIS_URL as string);
        return pass("Redis (REDIS_URL) answers PING");
      } catch (error) {
        return fail(
          `Redis at REDIS_URL does not answer: ${(error as Error).message}`,
          "Start Redis or correct REDIS_URL: auth limits fail closed while it is down (sign-in refused).",
        );
      }
    }
    if (isProductionTrue(ctx.env.RATE_LIMIT_ALLOW_MEMORY)) {
      return warn(
        "in-memory limits (RATE_LIMIT_ALLOW_MEMORY): each instance counts on its own",
        "Fine for exactly one instance; with more, set REDIS_URL or UPSTASH_REDIS_REST_URL/TOKEN.",
      );
    }
    return fail(
      "no shared store: limits would live in each process's memory",
      "Set REDIS_URL (or UPSTASH_REDIS_REST_URL and _TOKEN).",
    );
  },
};

// --- Monitoring ----------------------------------------------------------------------------------

export const sentryConfigured: Check = {
  id: "monitoring.sentry",
  title: "errors are reported (Sentry)",
  async run(ctx) {
    if (!ctx.env.SENTRY_DSN) {
      return fail(
        "SENTRY_DSN is not set: server errors reach nobody",
        "Create a Sentry project and set SENTRY_DSN (and NEXT_PUBLIC_SENTRY_DSN).",
      );
    }
    if (!ctx.env.NEXT_PUBLIC_SENTRY_DSN) {
      return warn(
        "SENTRY_DSN set, NEXT_PUBLIC_SENTRY_DSN not: browser errors go unreported",
        "Set NEXT_PUBLIC_SENTRY_DSN and rebuild.",
      );
    }
    return pass("SENTRY_DSN and NEXT_PUBLIC_SENTRY_DSN set");
  },
};

export const readinessWired: Check = {
  id: "monitoring.ready",
  title: "/api/ready answers for load balancers",
  async run(ctx) {
    const routeFile = path.join(ctx.root, "app", "api", "ready", "route.ts");
    if (!existsSync(routeFile) || !/export const GET\b/.test(await readFile(routeFile, "utf8"))) {
      return fail(
        "app/api/ready/route.ts has no GET handler",
        "Restore the readiness route from the template.",
      );
    }
    if (!ctx.url) return pass("the route exists (pass --url to probe a running deployment)");
    const url = new URL("/api/ready", ctx.url);
    try {
      const response = await ctx.fetch(url, {
        redirect: "manual",
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      if (response.status === 200) return pass(`${url} answers 200`);
      return fail(
        `${url} answers ${response.status}`,
        "Check the deployment's logs: a 503 means it cannot reach its database.",
      );
    } catch (error) {
      return fail(
        `${url} did not answer: ${(error as Error).message}`,
        "Check the URL and that the deployment is running.",
      );
    }
  },
};

// --- Billing -------------------------------------------------------------------------------------

export const billingConfigured: Check = {
  id: "billing.config",
  title: "billing has its webhook secret and prices",
  async run(ctx) {
    let config: BillingConfig;
    try {
      config = readBillingConfig({ ...ctx.env, NODE_ENV: "production" });
    } catch (error) {
      if (!(error instanceof InvalidEnvironmentError)) throw error;
      return fail(
        listSome(error.problems, 2),
        "Copy the values from the Stripe dashboard (Developers → Webhooks; each product's price).",
      );
    }
    if (!config.enabled) return pass("billing off (STRIPE_SECRET_KEY unset): everyone on the free plan");
    const problems: string[] = [];
    if (!config.webhookSecret) problems.push("STRIPE_WEBHOOK_SECRET is not set (whsec_…)");
    for (const [plan, variable] of Object.entries(PRICE_ENV)) {
      if (config.prices[plan as keyof typeof PRICE_ENV].length === 0)
        problems.push(`${variable} is not set (the ${plan} plan's price_…)`);
    }
    if (problems.length > 0) {
      return fail(
        listSome(problems, 3),
        "Copy them from the Stripe dashboard (Developers → Webhooks; each product's price).",
      );
    }
    const plans = Object.keys(PRICE_ENV).length;
    return pass(`webhook signing secret and the prices of ${plans} paid plans set`);
  },
};
