import { describe, expect, it } from "vitest";
import { parseEnv, secretEnvValues, serverEnvSchema } from "@/lib/env";
import { envProblems } from "../support/env";

const valid = { DATABASE_URL: "postgresql://app:pw@db.internal:5432/app" };
/**
 * What production needs on top: its public https URL, the proxies in front of it, real mail, real
 * auth secrets and a shared rate-limit store (test values).
 */
const validProduction = {
  ...valid,
  NODE_ENV: "production",
  APP_URL: "https://app.example.com",
  TRUSTED_PROXY_COUNT: "1",
  REDIS_URL: "redis://redis.internal:6379",
  SMTP_URL: "smtps://user:pass@smtp.example.com:465",
  AUTH_SECRET: "a-production-auth-secret-of-32-characters-or-more",
  AUTH_ENCRYPTION_KEYS: `k2026:${Buffer.alloc(32, 7).toString("base64")}`,
  AUDIT_PSEUDONYM_KEY: "a-production-audit-pseudonym-key-of-32-characters",
};

const problemsOf = (env: Record<string, string>) => envProblems(() => parseEnv(serverEnvSchema, env));

describe("server environment", () => {
  it("accepts a minimal development environment and fills defaults", () => {
    const env = parseEnv(serverEnvSchema, valid);
    expect(env.NODE_ENV).toBe("development");
    expect(env.DATABASE_POOL_MAX).toBe(10);
    expect(env.LOG_LEVEL).toBe("info");
    expect(env.ENABLE_TEST_ROUTES).toBe(false);
  });

  it("lists every problem at once, naming each variable, without echoing values", () => {
    const problems = problemsOf({
      DATABASE_URL: "mysql://secret-host/x",
      LOG_LEVEL: "loud",
      DATABASE_POOL_MAX: "0",
    });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/DATABASE_URL: .*postgres/);
    expect(problems.join("\n")).toContain("LOG_LEVEL");
    expect(problems.join("\n")).toContain("DATABASE_POOL_MAX");
    expect(problems.join("\n")).not.toContain("secret-host");
  });

  it("lists a type error and the cross-field problems in one start (one never hides the other)", () => {
    const problems = problemsOf({
      ...valid,
      NODE_ENV: "production",
      TRUSTED_PROXY_COUNT: "1",
      REDIS_URL: "redis://redis.internal:6379",
      SMTP_URL: "smtps://user:pass@smtp.example.com:465",
      AUTH_ENCRYPTION_KEYS: validProduction.AUTH_ENCRYPTION_KEYS,
      AUDIT_PSEUDONYM_KEY: validProduction.AUDIT_PSEUDONYM_KEY,
      LOG_LEVEL: "verbose",
      APP_URL: "http://app.example.com",
    });
    expect(problems.map((problem) => problem.slice(0, problem.indexOf(":")))).toEqual([
      "LOG_LEVEL",
      "AUTH_SECRET",
      "APP_URL",
    ]);
    expect(problems[2]).toMatch(/^APP_URL: must start with https:\/\//);
  });

  it("reports every cross-field problem whatever other variable has a type error", () => {
    const production = { ...valid, NODE_ENV: "production" };
    const crossField = problemsOf(production);
    expect(crossField.length).toBeGreaterThanOrEqual(6);
    const typeErrors = {
      LOG_LEVEL: "verbose",
      DATABASE_POOL_MAX: "0",
      RATE_LIMIT_TIMEOUT_MS: "soon",
      ALLOW_TEST_KEYS_IN_PRODUCTION: "yes please",
      NEXT_PUBLIC_SENTRY_DSN: "not a url",
      DATABASE_URL: "mysql://db/x",
    };
    for (const [name, value] of Object.entries(typeErrors)) {
      const problems = problemsOf({ ...production, [name]: value });
      const own = problems.filter((problem) => problem.startsWith(`${name}:`));
      expect(own, name).toHaveLength(1);
      expect(
        problems.filter((problem) => !own.includes(problem)),
        name,
      ).toEqual(crossField);
    }
  });

  it("reports an invalid variable once, not again as missing or wrong in a cross-field rule", () => {
    expect(problemsOf({ ...validProduction, APP_URL: "not a url" })).toEqual([
      "APP_URL: must be the app's public URL, such as https://app.example.com",
    ]);
  });

  it("says a required variable is missing", () => {
    expect(problemsOf({})).toEqual(["DATABASE_URL: is required but not set"]);
  });

  it("refuses a live Stripe key outside production", () => {
    expect(problemsOf({ ...valid, STRIPE_SECRET_KEY: "sk_live_abc" })[0]).toMatch(
      /STRIPE_SECRET_KEY: is a live Stripe key/,
    );
    expect(problemsOf({ ...valid, STRIPE_SECRET_KEY: "rk_live_abc", NODE_ENV: "test" })).toHaveLength(1);
    expect(problemsOf({ ...valid, STRIPE_SECRET_KEY: "sk_test_abc" })).toEqual([]);
  });

  it("refuses a test Stripe key in production unless explicitly allowed", () => {
    // Billing on in production also needs the webhook secret and the plans' prices (lib/billing).
    const production = {
      ...validProduction,
      STRIPE_SECRET_KEY: "sk_test_abc",
      STRIPE_WEBHOOK_SECRET: "whsec_abc",
      STRIPE_PRICE_PRO: "price_pro",
      STRIPE_PRICE_BUSINESS: "price_business",
    };
    expect(problemsOf(production)[0]).toMatch(/STRIPE_SECRET_KEY: is a test-mode Stripe key in production/);
    expect(problemsOf({ ...production, ALLOW_TEST_KEYS_IN_PRODUCTION: "true" })).toEqual([]);
    expect(problemsOf({ ...production, STRIPE_SECRET_KEY: "sk_live_abc" })).toEqual([]);
  });

  it("requires real mail and auth secrets in production, naming each one", () => {
    expect(problemsOf(validProduction)).toEqual([]);
    const problems = problemsOf({ ...valid, NODE_ENV: "production" }).join("\n");
    expect(problems).toContain("SMTP_URL");
    expect(problems).toContain("AUTH_SECRET");
    expect(problems).toContain("AUTH_ENCRYPTION_KEYS");
    expect(problems).toContain("AUDIT_PSEUDONYM_KEY: is required in production");
    expect(problems).toContain("REDIS_URL");
    expect(problems).toContain("APP_URL: is not set");
    expect(problems).toContain("TRUSTED_PROXY_COUNT: is not set");
  });

  it("refuses the public development pseudonym key in production, and client details kept longer than their events", () => {
    expect(
      problemsOf({
        ...validProduction,
        AUDIT_PSEUDONYM_KEY: "shipshape-development-audit-pseudonym-key-NOT-A-SECRET",
      }),
    ).toEqual([expect.stringMatching(/^AUDIT_PSEUDONYM_KEY: is the public development key/)]);
    expect(problemsOf({ ...validProduction, AUDIT_PSEUDONYM_KEY: "short" })).toEqual([
      expect.stringMatching(/^AUDIT_PSEUDONYM_KEY: must be at least 32 characters/),
    ]);
    expect(problemsOf({ ...valid, AUDIT_CLIENT_RETENTION_DAYS: "500" })).toEqual([
      expect.stringMatching(/^AUDIT_CLIENT_RETENTION_DAYS: must be at most AUDIT_RETENTION_DAYS \(400\)/),
    ]);
    expect(problemsOf({ ...valid, AUDIT_CLIENT_RETENTION_DAYS: "500", AUDIT_RETENTION_DAYS: "800" })).toEqual(
      [],
    );
  });

  it("defaults APP_URL to the dev server's address outside production only", () => {
    expect(parseEnv(serverEnvSchema, valid).APP_URL).toBe("http://localhost:3000");
    expect(problemsOf({ ...validProduction, APP_URL: "" })).toEqual([
      "APP_URL: is not set. Set it to the app's public https URL, such as https://app.example.com.",
    ]);
  });

  it("requires an https APP_URL in production, so session cookies are Secure; http only on this machine", () => {
    expect(problemsOf({ ...validProduction, APP_URL: "http://app.example.com" })[0]).toMatch(
      /^APP_URL: must start with https:\/\/ in production: session cookies are marked Secure/,
    );
    for (const local of ["http://localhost:3000", "http://127.0.0.1:4100", "http://[::1]:3000"]) {
      expect(problemsOf({ ...validProduction, APP_URL: local })).toEqual([]);
    }
    expect(problemsOf({ ...valid, APP_URL: "http://app.example.com" })).toEqual([]);
  });

  it("rejects a malformed boolean instead of guessing", () => {
    expect(problemsOf({ ...valid, ALLOW_TEST_KEYS_IN_PRODUCTION: "yes please" })[0]).toContain(
      "ALLOW_TEST_KEYS_IN_PRODUCTION",
    );
  });
});

describe("secret env values", () => {
  it("collects values of secret-looking variables, not public or harmless ones", () => {
    const values = secretEnvValues({
      STRIPE_SECRET_KEY: "sk_test_123456",
      NEXTAUTH_SECRET: "a-long-auth-secret",
      DATABASE_URL: "postgresql://u:p@h/d",
      NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: "pk_test_123456",
      LOG_LEVEL: "debug-verbose",
    });
    expect(values).toEqual(
      expect.arrayContaining(["a-long-auth-secret", "postgresql://u:p@h/d", "sk_test_123456"]),
    );
    expect(values).not.toContain("pk_test_123456");
    expect(values).not.toContain("debug-verbose");
  });

  it("yields each key of a key list on its own, so one leaked key is caught too", () => {
    const k1 = Buffer.alloc(32, 1).toString("base64");
    const k2 = Buffer.alloc(32, 2).toString("base64");
    const values = secretEnvValues({ AUTH_ENCRYPTION_KEYS: `k1:${k1}, k2:${k2}` });
    expect(values).toEqual(expect.arrayContaining([k1, k2, `k1:${k1}`]));
  });

  it("treats the backup's decrypting secrets as secrets, each identity of a list on its own, not the public recipients", () => {
    const identity1 = `AGE-SECRET-KEY-1${"Q".repeat(58)}`;
    const identity2 = `AGE-SECRET-KEY-1${"P".repeat(58)}`;
    const values = secretEnvValues({
      BACKUP_IDENTITY: `# restore host\n${identity1}\n${identity2}`,
      BACKUP_PASSPHRASE: "correct horse battery staple",
      BACKUP_RECIPIENTS: `age1${"q".repeat(58)}`,
    });
    expect(values).toEqual(expect.arrayContaining([identity1, identity2, "correct horse battery staple"]));
    expect(values).not.toContain(`age1${"q".repeat(58)}`);
  });
});
