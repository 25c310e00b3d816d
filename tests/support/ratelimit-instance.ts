// One "app instance" for tests/integration/ratelimit-instances.test.ts: a separate Node process that
// loads the app's rate limiter from the environment (REDIS_URL), waits for a shared start time so
// that both instances hit Redis at once, fires its checks concurrently, and prints what it was told.
//
//   tsx --conditions=react-server tests/support/ratelimit-instance.ts <policy> <key> <count> <startAtMs>
import { checkRateLimit, disconnectRateLimiter, type RateLimitPolicyName } from "@/lib/ratelimit";

const [policy, key, count, startAt] = process.argv.slice(2);
if (!policy || !key || !count || !startAt) throw new Error("usage: <policy> <key> <count> <startAtMs>");

// The first check opens the connection and loads the scripts; do that before the start line, on a
// key of its own, so the counted checks race each other rather than the connection set-up.
await checkRateLimit(policy as RateLimitPolicyName, `warm-up-${process.pid}-${key}`);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const decisions = await Promise.all(
  Array.from({ length: Number(count) }, () => checkRateLimit(policy as RateLimitPolicyName, key)),
);
console.log(JSON.stringify(decisions.map((decision) => decision.allowed)));
await disconnectRateLimiter();
