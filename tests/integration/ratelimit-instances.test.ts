// "Limits hold across app instances": two separate Node processes, each with its own copy of the
// app's rate limiter and its own connection, share one Redis (REDIS_URL). Each fires as many
// concurrent sign-in attempts at one account as the policy allows; together they must get exactly
// the limit through, not twice it (which is what two in-memory stores would allow).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { RATE_LIMIT_POLICIES } from "@/lib/ratelimit";
import { pingRedis, requireService } from "../support/services";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const ROOT = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

const redisUp = await requireService(`Redis at ${REDIS_URL}`, () => pingRedis(REDIS_URL));

/** Starts one instance process and resolves with the allowed/refused answers it got. */
async function instance(key: string, count: number, startAt: number): Promise<boolean[]> {
  const { stdout } = await run(
    path.join(ROOT, "node_modules/.bin/tsx"),
    [
      "--conditions=react-server",
      "tests/support/ratelimit-instance.ts",
      "sign-in-account",
      key,
      String(count),
      String(startAt),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL, UPSTASH_REDIS_REST_URL: "", UPSTASH_REDIS_REST_TOKEN: "" },
    },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as boolean[];
}

describe.runIf(redisUp)("rate limits across two app instances on one Redis", () => {
  it("lets exactly the limit through when two processes race on one account", async () => {
    const { limit } = RATE_LIMIT_POLICIES["sign-in-account"];
    const account = `two-instances-${randomBytes(4).toString("hex")}@example.com`;
    // Far enough ahead for both processes to load the app and connect.
    const startAt = Date.now() + 4_000;
    const [first, second] = await Promise.all([
      instance(account, limit, startAt),
      instance(account, limit, startAt),
    ]);
    expect(first).toHaveLength(limit);
    expect(second).toHaveLength(limit);
    const allowed = [...first, ...second].filter(Boolean).length;
    expect(allowed).toBe(limit);
  }, 30_000);
});
