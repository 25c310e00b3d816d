import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Two deployments (or two apps) may share one Redis: every key the app writes must sit under the
// configurable RATE_LIMIT_PREFIX (lib/ratelimit/config.ts, rateLimitKeyPrefix), none under a
// hard-coded name. That holds while lib/ratelimit is the only code that writes to Redis; the
// ratelimit tests check that its keys carry the prefix.

const root = fileURLToPath(new URL("../..", import.meta.url));
const REDIS_CLIENT = /from "(ioredis|@upstash\/redis|@upstash\/ratelimit)"/;

function sourceFiles(dir: string): string[] {
  return (
    readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && /\.(ts|tsx|mts|mjs)$/.test(entry.name))
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
      // The generated Prisma client, and the transplant test's harness (it inspects a test Redis).
      .filter((file) => !file.startsWith("lib/db/generated/") && !file.startsWith("scripts/transplant/"))
  );
}

describe("Redis keys", () => {
  it("are written by lib/ratelimit alone; the doctor only pings", () => {
    const users = ["lib", "app", "scripts", "components"]
      .flatMap(sourceFiles)
      .filter((file) => REDIS_CLIENT.test(readFileSync(path.join(root, file), "utf8")));
    expect(users.filter((file) => !file.startsWith("lib/ratelimit/"))).toEqual([
      "lib/doctor/checks-config.ts",
    ]);
    const doctor = readFileSync(path.join(root, "lib/doctor/checks-config.ts"), "utf8");
    expect(doctor).toMatch(/\.ping\(\)/);
    expect(doctor).not.toMatch(/\.(set|incr|incrby|eval|evalsha|expire|hset|zadd|del)\(/);
  });
});
