// One "app instance" for tests/integration/ratelimit-instances.test.ts: a separate Node process that
// loads the app's rate limiter from the environment (REDIS_URL), says "ready" once connected, waits
// for "go" on stdin (the test sends it to both instances at once), fires its checks concurrently,
// and prints what it was told.
//
//   tsx --conditions=react-server tests/support/ratelimit-instance.ts <policy> <key> <count>
import { checkRateLimit, disconnectRateLimiter, type RateLimitPolicyName } from "@/lib/ratelimit";

const [policy, key, count] = process.argv.slice(2);
if (!policy || !key || !count) throw new Error("usage: <policy> <key> <count>");

// The first check opens the connection and loads the scripts; do that before the start, on a key of
// its own, so the counted checks race each other rather than the connection set-up.
await checkRateLimit(policy as RateLimitPolicyName, `warm-up-${process.pid}-${key}`);
console.log("ready");
await new Promise((resolve) => process.stdin.once("data", resolve));
const decisions = await Promise.all(
  Array.from({ length: Number(count) }, () => checkRateLimit(policy as RateLimitPolicyName, key)),
);
console.log(JSON.stringify(decisions.map((decision) => decision.allowed)));
await disconnectRateLimiter();
process.stdin.destroy();
