// "Limits hold across app instances": two separate Node processes, each with its own copy of the
// app's rate limiter and its own connection, share one Redis (REDIS_URL). Each fires as many
// concurrent sign-in attempts at one account as the policy allows; together they must get exactly
// the limit through, not twice it (which is what two in-memory stores would allow).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RATE_LIMIT_POLICIES } from "@/lib/ratelimit";
import { pingRedis, requireService } from "../support/services";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const ROOT = path.resolve(import.meta.dirname, "../..");

const redisUp = await requireService(`Redis at ${REDIS_URL}`, () => pingRedis(REDIS_URL));

type Instance = { ready: Promise<void>; go(): void; answers: Promise<boolean[]> };

/** Starts one instance process: `ready` once it is connected, `go()` to fire, `answers` what it got. */
function startInstance(key: string, count: number, env: Record<string, string> = {}): Instance {
  const child = spawn(
    path.join(ROOT, "node_modules/.bin/tsx"),
    [
      "--conditions=react-server",
      "tests/support/ratelimit-instance.ts",
      "sign-in-account",
      key,
      String(count),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL, UPSTASH_REDIS_REST_URL: "", UPSTASH_REDIS_REST_TOKEN: "", ...env },
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  let output = "";
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes("ready\n")) markReady();
  });
  const answers = new Promise<boolean[]>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`instance exited with ${code}:\n${output}`));
      resolve(JSON.parse(output.trim().split("\n").at(-1) ?? "[]") as boolean[]);
    });
  });
  return {
    ready: Promise.race([ready, answers.then(() => undefined)]),
    go: () => child.stdin.write("go\n"),
    answers,
  };
}

describe.runIf(redisUp)("rate limits across two app instances on one Redis", () => {
  it("lets exactly the limit through when two processes race on one account", async () => {
    const { limit } = RATE_LIMIT_POLICIES["sign-in-account"];
    const account = `two-instances-${randomBytes(4).toString("hex")}@example.com`;
    const instances = [startInstance(account, limit), startInstance(account, limit)];
    // Both loaded and connected before either fires, so their checks really race.
    await Promise.all(instances.map((instance) => instance.ready));
    for (const instance of instances) instance.go();
    const [first, second] = (await Promise.all(instances.map((instance) => instance.answers))) as [
      boolean[],
      boolean[],
    ];
    expect(first).toHaveLength(limit);
    expect(second).toHaveLength(limit);
    const allowed = [...first, ...second].filter(Boolean).length;
    expect(allowed).toBe(limit);
  }, 30_000);

  it("keeps two deployments on one Redis apart (APP_URL's host, or RATE_LIMIT_PREFIX), while instances of one share", async () => {
    const { limit } = RATE_LIMIT_POLICIES["sign-in-account"];
    const account = `two-deployments-${randomBytes(4).toString("hex")}@example.com`;
    const run = randomBytes(4).toString("hex");
    /** Runs one instance to the end: `count` checks on the account, what it was told. */
    const answersOf = async (count: number, env: Record<string, string>) => {
      const instance = startInstance(account, count, { RATE_LIMIT_PREFIX: "", ...env });
      await instance.ready;
      instance.go();
      return instance.answers;
    };
    const production = { APP_URL: `https://app-${run}.example.com` };
    const staging = { APP_URL: `https://staging-${run}.example.com` };

    // Production uses up the account's limit.
    expect(await answersOf(limit, production)).toEqual(Array(limit).fill(true));
    // Another instance of production shares the count: refused.
    expect(await answersOf(1, production)).toEqual([false]);
    // Staging on the same Redis counts on its own: the whole limit again.
    expect(await answersOf(limit, staging)).toEqual(Array(limit).fill(true));
    // An explicit RATE_LIMIT_PREFIX wins over the host: a third namespace, shared by whoever sets it.
    const named = { ...production, RATE_LIMIT_PREFIX: `test:deployment-${run}` };
    expect(await answersOf(limit, named)).toEqual(Array(limit).fill(true));
    expect(await answersOf(1, { ...staging, RATE_LIMIT_PREFIX: named.RATE_LIMIT_PREFIX })).toEqual([false]);
  }, 60_000);
});
