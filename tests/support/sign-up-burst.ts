// A child process for tests/integration/auth-sign-up-durable.test.ts: signs up a burst of addresses
// at once through lib/auth's signUp, as the sign-up action does, printing "answered <email>" the
// moment each signUp resolves (the answer a browser would get), and kills itself with SIGKILL in the
// same tick as the last answer: a crash right after answering, with the work after the answers still
// running. Whatever the answers promised must already be in PostgreSQL. Run with
// tsx --conditions=react-server; env: DATABASE_URL, REDIS_URL, MAIL_DEV_DIR as the test's own;
// argv: the addresses.
import { randomBytes } from "node:crypto";
import { writeSync } from "node:fs";
import { signUp } from "../../lib/auth";

// A client of its own for each (a /64 of its own: IPv6 clients are limited by prefix).
const freshIp = () => `2001:db8:${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}::1`;

const addresses = process.argv.slice(2);
let answers = 0;
await Promise.all(
  addresses.map(async (email) => {
    await signUp({ email, password: "marble orchard kettle lantern", ip: freshIp() });
    writeSync(1, `answered ${email}\n`);
    answers++;
    if (answers === addresses.length) process.kill(process.pid, "SIGKILL");
  }),
);
