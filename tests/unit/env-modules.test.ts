import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envModule as audit } from "@/lib/audit/config";
import { envModule as db } from "@/lib/db/config";
import { parseEnv, serverEnvSchema } from "@/lib/env";
import * as listed from "@/lib/env/modules";
import { composeServerEnvSchema } from "@/lib/env/schema";
import { envModule as log } from "@/lib/log/config";
import { envModule as mail } from "@/lib/mail/config";
import { envProblems } from "../support/env";

// lib/env composes whatever modules lib/env/modules.ts lists (one line each), so an app that copies
// some modules lists those and nothing else: no other module's variables, types or rules.

const root = fileURLToPath(new URL("../..", import.meta.url));
const DATABASE_URL = "postgresql://app@db.internal:5432/app";

describe("lib/env/modules.ts", () => {
  it("lists every module whose config.ts exports an envModule, under the module's name", () => {
    const withEnvModule = readdirSync(path.join(root, "lib"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .filter((name) => {
        try {
          return /^export const envModule\b/m.test(
            readFileSync(path.join(root, "lib", name, "config.ts"), "utf8"),
          );
        } catch {
          return false;
        }
      });
    expect(withEnvModule.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(listed).sort()).toEqual(withEnvModule.sort());
    const source = readFileSync(path.join(root, "lib/env/modules.ts"), "utf8");
    for (const name of withEnvModule) {
      expect(source).toContain(`export { envModule as ${name} } from "../${name}/config";`);
    }
  });

  it("gives serverEnvSchema every listed module's variables", () => {
    const env = parseEnv(serverEnvSchema, { DATABASE_URL });
    for (const [name, envModule] of Object.entries(listed)) {
      for (const key of Object.keys(envModule.schema.shape))
        expect(env, `${name}: ${key}`).toHaveProperty(key);
    }
  });
});

describe("composeServerEnvSchema", () => {
  it("validates only the modules it is given (an app that copied db and log)", () => {
    const schema = composeServerEnvSchema({ db, log });
    const env = parseEnv(schema, { DATABASE_URL, LOG_SERVICE_NAME: "prototype", SMTP_URL: "not checked" });
    expect(env.DATABASE_URL).toBe(DATABASE_URL);
    expect(env.LOG_SERVICE_NAME).toBe("prototype");
    expect(env).not.toHaveProperty("SMTP_URL");
    expect(env).not.toHaveProperty("AUTH_SECRET");
    // Production without mail, auth or rate limits listed: only lib/env's own rule (APP_URL) applies.
    expect(envProblems(() => parseEnv(schema, { DATABASE_URL, NODE_ENV: "production" }))).toEqual([
      "APP_URL: is not set. Set it to the app's public https URL, such as https://app.example.com.",
    ]);
    expect(() =>
      parseEnv(schema, { DATABASE_URL, NODE_ENV: "production", APP_URL: "https://a.example" }),
    ).not.toThrow();
  });

  it("runs a listed module's rules across keys, with every problem in one pass", () => {
    const schema = composeServerEnvSchema({ db, log, mail });
    expect(
      envProblems(() =>
        parseEnv(schema, {
          DATABASE_URL,
          NODE_ENV: "production",
          APP_URL: "https://a.example",
          LOG_LEVEL: "loud",
        }),
      ).map((problem) => problem.slice(0, problem.indexOf(":"))),
    ).toEqual(["LOG_LEVEL", "SMTP_URL"]);
  });

  it("lets a module declare an app key again (to read its config alone), and keeps lib/env's", () => {
    const standalone = {
      schema: z.object({ NODE_ENV: z.string(), WIDGET_COUNT: z.coerce.number().default(3) }),
    };
    const env = parseEnv(composeServerEnvSchema({ db, widget: standalone }), {
      DATABASE_URL,
      NODE_ENV: "test",
    });
    expect(env.NODE_ENV).toBe("test");
    expect(env.WIDGET_COUNT).toBe(3);
    expect(() =>
      parseEnv(composeServerEnvSchema({ db, widget: standalone }), { DATABASE_URL, NODE_ENV: "prod" }),
    ).toThrow(/NODE_ENV/);
  });

  it("validates the modules a listed one uses: audit alone brings db's variables, and listing both is not a clash", () => {
    const auditAlone = composeServerEnvSchema({ log, audit });
    expect(parseEnv(auditAlone, { DATABASE_URL })).toMatchObject({ DATABASE_URL, DATABASE_POOL_MAX: 10 });
    expect(envProblems(() => parseEnv(auditAlone, {})).map((problem) => problem.split(":")[0])).toEqual([
      "DATABASE_URL",
    ]);
    // Shipshape lists db and audit: one module, not two declaring DATABASE_URL.
    expect(parseEnv(composeServerEnvSchema({ audit, db, log }), { DATABASE_URL }).DATABASE_URL).toBe(
      DATABASE_URL,
    );
    // And the type follows: serverEnv() of an app listing audit alone has DATABASE_URL.
    const typed: string = parseEnv(auditAlone, { DATABASE_URL }).DATABASE_URL;
    expect(typed).toBe(DATABASE_URL);
  });

  it("refuses two modules declaring one variable, naming both", () => {
    const copy = { schema: z.object({ LOG_LEVEL: z.string() }) };
    expect(() => composeServerEnvSchema({ log, copy })).toThrow(
      "LOG_LEVEL is declared by both lib/log and lib/copy: a variable belongs to one module's config.ts.",
    );
  });

  it("ignores what is not an env module (a bundler's namespace object may carry other keys)", () => {
    const schema = composeServerEnvSchema({ db, __esModule: true } as never);
    expect(parseEnv(schema, { DATABASE_URL })).toMatchObject({ DATABASE_URL });
  });
});
