import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { parseEnv, serverEnvSchema } from "@/lib/env";
import { createLogger } from "@/lib/log";
import { envProblems } from "../support/env";

// A copied lib/log names the app it runs in, not "shipshape": LOG_SERVICE_NAME is every line's
// `service`, declared in lib/log/config.ts and validated with the rest of the environment.

function serviceOfOneLine(options: Parameters<typeof createLogger>[0] = {}): unknown {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json", destination, secrets: [], ...options }).info("hello");
  return lines[0]?.service;
}

const saved = process.env.LOG_SERVICE_NAME;
afterEach(() => {
  if (saved === undefined) delete process.env.LOG_SERVICE_NAME;
  else process.env.LOG_SERVICE_NAME = saved;
});

describe("the log's service name", () => {
  it("is LOG_SERVICE_NAME, else shipshape (an empty value counts as unset)", () => {
    process.env.LOG_SERVICE_NAME = "acme-billing";
    expect(serviceOfOneLine()).toBe("acme-billing");
    process.env.LOG_SERVICE_NAME = "";
    expect(serviceOfOneLine()).toBe("shipshape");
    delete process.env.LOG_SERVICE_NAME;
    expect(serviceOfOneLine()).toBe("shipshape");
  });

  it("can be given to createLogger directly", () => {
    expect(serviceOfOneLine({ LOG_SERVICE_NAME: "worker" })).toBe("worker");
  });

  it("is checked at startup with the rest of the environment", () => {
    const env = { DATABASE_URL: "postgresql://a@b/c" };
    expect(parseEnv(serverEnvSchema, { ...env, LOG_SERVICE_NAME: "my-app" }).LOG_SERVICE_NAME).toBe("my-app");
    expect(parseEnv(serverEnvSchema, env).LOG_SERVICE_NAME).toBe("shipshape");
    expect(envProblems(() => parseEnv(serverEnvSchema, { ...env, LOG_SERVICE_NAME: "my app\n" }))).toEqual([
      expect.stringMatching(/^LOG_SERVICE_NAME: may hold letters, digits/),
    ]);
  });
});
