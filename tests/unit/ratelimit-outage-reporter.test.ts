// lib/ratelimit copies into another app without an error tracker (issue 17): its fail-closed
// outages go through setRateLimitOutageReporter, which Shipshape's instrumentation.ts sets.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

describe("lib/ratelimit's outage reports", () => {
  it("import no error tracker anywhere in lib/ratelimit", () => {
    const sources = readdirSync(path.join(root, "lib/ratelimit")).filter((file) => file.endsWith(".ts"));
    expect(sources.length).toBeGreaterThan(0);
    for (const file of sources) {
      expect(read(`lib/ratelimit/${file}`), file).not.toMatch(/from "@sentry\//);
    }
  });

  it("reach the error tracker in Shipshape: instrumentation.ts sets the reporter to reportError", () => {
    expect(read("instrumentation.ts")).toMatch(
      /setRateLimitOutageReporter\(\(error, tags\) => reportError\(error, \{ tags \}\)\)/,
    );
  });
});
