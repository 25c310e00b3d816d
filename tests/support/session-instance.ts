// One other "app instance" for tests/integration/auth-session-ids.test.ts: a separate Node process
// with its own session cache, reading the same database (DATABASE_URL). It checks the session in
// argv once (which caches its row as live) and prints the outcome, then for each line `<now>` on
// stdin checks it again as of that time and prints the outcome: "accepted" or the refusal's reason.
//
//   tsx --conditions=react-server tests/support/session-instance.ts '<claims as JSON>'
import { checkSession, readAuthConfig, type SessionClaims, SessionRevokedError } from "@/lib/auth";
import { disconnectDb, getDb } from "@/lib/db";

const claims = JSON.parse(process.argv[2] ?? "null") as SessionClaims;
const limits = { maxAgeSeconds: readAuthConfig(process.env).sessionMaxSeconds };

async function check(now: number): Promise<string> {
  try {
    await checkSession(getDb(), claims, { ...limits, now });
    return "accepted";
  } catch (error) {
    if (error instanceof SessionRevokedError) return error.reason;
    throw error;
  }
}

console.log(await check(Date.now()));
for await (const chunk of process.stdin) {
  for (const line of String(chunk).split("\n").filter(Boolean)) console.log(await check(Number(line)));
}
await disconnectDb();
